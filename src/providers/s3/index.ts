/** The s3 driver: Buckets on any S3-compatible endpoint through @aws-sdk/client-s3. */
export { s3BucketClient, s3BucketConnector, S3_BUCKET_PREFIX, type S3BucketObserved } from './bucket.js';
export { BucketPath, desiredBucketState, diffBucket, type BucketState, type RuleState } from './bucket-state.js';
export { notEmptyError } from './bucket-delete.js';
export { MAX_CACHED_CLIENTS, newS3Client, S3ClientCache, S3_TIMEOUTS } from './client.js';
export { s3Failure, type S3Operation } from './errors.js';
export { bucketUrl, DEFAULT_S3_REGION, s3Settings, type S3Settings } from './settings.js';
