/** Encryption at rest for chosen key prefixes of the store (Secrets): AES-256-GCM, a key file, re-encryption. */
export { aesGcmTransformer, AESGCM_PREFIX, ENCRYPTED_PREFIX, type EncryptionKey, type TransformedValue, type ValueTransformer } from './aesgcm.js';
export { EncryptingBackend, type EncryptingBackendOptions } from './backend.js';
export { addKey, loadKeyFile, loadOrCreateKeyFile, newKey, parseKeyFile, promoteKey, removeKey, saveKeyFile, KeyPlacement, type KeyFile } from './key-file.js';
export { reencrypt, type ReencryptFailure, type ReencryptOptions, type ReencryptResult } from './reencrypt.js';
