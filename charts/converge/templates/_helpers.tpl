{{/* Chart name, overridable with nameOverride. */}}
{{- define "converge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects: the release name, plus the chart name unless it already contains it. */}}
{{- define "converge.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "converge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "converge.labels" -}}
helm.sh/chart: {{ include "converge.chart" . }}
{{ include "converge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: converge
{{- end }}

{{/* Labels the Deployment and Service select pods by; never change them (selectors are immutable). */}}
{{- define "converge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "converge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "converge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "converge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "converge.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* True (non-empty) when the embedded sqlite store is used: standalone mode with store.type embedded. */}}
{{- define "converge.embedded" -}}
{{- if and (eq .Values.mode "standalone") (eq .Values.store.type "embedded") }}true{{ end }}
{{- end }}

{{/* Name of the PersistentVolumeClaim holding the embedded store. */}}
{{- define "converge.claimName" -}}
{{- default (printf "%s-data" (include "converge.fullname" .)) .Values.store.embedded.persistence.existingClaim }}
{{- end }}

{{/* Name of the Service port: the API in standalone mode, only metrics in kube mode. */}}
{{- define "converge.servicePortName" -}}
{{- if eq .Values.mode "kube" }}metrics{{ else }}api{{ end }}
{{- end }}

{{/*
Combinations values.schema.json cannot express; rendering fails with a message saying what to change.
*/}}
{{- define "converge.validate" -}}
{{- if and (include "converge.embedded" .) (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "replicaCount is %d, but the embedded store (store.type: embedded) runs a single replica: the process holds the sqlite database's lock. Set replicaCount: 1, or use store.type: etcd with store.etcd.endpoints (or mode: kube) to run several replicas." (int .Values.replicaCount)) }}
{{- end }}
{{- if and (eq .Values.mode "standalone") (eq .Values.store.type "etcd") (empty .Values.store.etcd.endpoints) }}
{{- fail "store.type is etcd but store.etcd.endpoints is empty: list the etcd client endpoints as host:port, e.g. [etcd-0.etcd:2379]." }}
{{- end }}
{{- if and (eq .Values.mode "kube") (eq .Values.store.type "etcd") }}
{{- fail "store.type: etcd does nothing in kube mode: the cluster's API server is the store. Remove store, or use mode: standalone to run Converge's own API server on etcd." }}
{{- end }}
{{- if and (eq .Values.mode "standalone") (gt (int .Values.replicaCount) 1) (not .Values.security.sharedSecret) }}
{{- fail (printf "replicaCount is %d in standalone mode without security.sharedSecret: each replica would make its own CA, tokens and Secrets encryption key, so one kubeconfig would not work against all of them and a Secret written by one replica could not be read by another. Create the shared Secret (charts/converge/README.md) and set security.sharedSecret." (int .Values.replicaCount)) }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail (printf "replicaCount is %d with leaderElection.enabled: false: every replica would run the controllers and act on the same resources. Enable leader election or run one replica." (int .Values.replicaCount)) }}
{{- end }}
{{- end }}

{{/* Port of the process: the API (and probes, metrics) in standalone mode; probes and metrics in kube mode. */}}
{{- define "converge.port" -}}
{{- if eq .Values.mode "kube" }}{{ .Values.kube.metricsPort | int }}{{ else }}{{ .Values.containerPort | int }}{{ end }}
{{- end }}

{{/*
Arguments of `converge serve`. Kube mode (`serve --kube`) refuses the standalone flags --listen, --data-dir and
--store: it keeps no state, serves probes and metrics on --metrics-listen, and keeps its Lease in --namespace.
*/}}
{{- define "converge.args" -}}
- serve
{{- if eq .Values.mode "kube" }}
- --kube
- --metrics-listen
- {{ printf "0.0.0.0:%s" (include "converge.port" .) | quote }}
- --namespace
- $(POD_NAMESPACE)
{{- else }}
- --listen
- {{ printf "0.0.0.0:%s" (include "converge.port" .) | quote }}
- --data-dir
- /var/lib/converge
{{- end }}
{{- if and (eq .Values.mode "standalone") (eq .Values.store.type "etcd") }}
- --store
- {{ printf "etcd://%s%s" (join "," .Values.store.etcd.endpoints) .Values.store.etcd.keyPrefix | quote }}
{{- end }}
{{- if not (include "converge.embedded" .) }}
- {{ printf "--leader-elect=%t" .Values.leaderElection.enabled | quote }}
{{- end }}
- --lease-duration
- {{ .Values.leaderElection.leaseDuration | quote }}
- --workers
- {{ .Values.workers | int | quote }}
- --log-level
- {{ .Values.logLevel | quote }}
{{- range .Values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}
