/**
 * The S3 error mapping for failures a local MinIO cannot produce on demand (access denied,
 * wrong region, expired credentials): SDK-shaped errors in, the user's one-line message out.
 * (Missing bucket, missing credentials, bad endpoint, vanished and changed objects are
 * exercised against a real MinIO in test/e2e/s3.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s3Error } from '../../src/storage/s3-errors.js';

const sdk = (name: string, status: number, extra: object = {}) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });
const where = 'http://minio:9000 (region us-east-1)';

test('access denied, wrong region, expired credentials: what happened, where, what to do', () => {
  const denied = s3Error(sdk('AccessDenied', 403), 's3://data/in/a.csv', 'GetObject', where);
  assert.equal(denied.code, 'STORAGE');
  assert.equal(denied.retryable, false);
  assert.match(denied.describe(), /GetObject s3:\/\/data\/in\/a\.csv: access denied by http:\/\/minio:9000 .*give these credentials read\/write permission/);
  const region = s3Error(sdk('AuthorizationHeaderMalformed', 400), 's3://data/in/', 'ListObjectsV2', where);
  assert.match(region.describe(), /wrong region for bucket data .*set spec\.storage\.region or AWS_REGION/);
  const expired = s3Error(sdk('ExpiredToken', 400), 's3://data/out/_SUCCESS', 'PutObject', where);
  assert.match(expired.describe(), /the credentials have expired .*refresh the session credentials/);
});

test('server errors and timeouts are retryable; client errors are not', () => {
  assert.equal(s3Error(sdk('InternalError', 500, { $fault: 'server' }), 's3://b/k', 'GetObject', where).retryable, true);
  assert.equal(s3Error(Object.assign(new Error('socket'), { name: 'TimeoutError' }), 's3://b/k', 'GetObject', where).retryable, true);
  assert.equal(s3Error(sdk('InvalidArgument', 400, { $fault: 'client' }), 's3://b/k', 'GetObject', where).retryable, false);
});

test('no request detail (and so no credential) from the SDK message reaches ours for known errors', () => {
  const e = s3Error(sdk('SignatureDoesNotMatch', 403, { message: 'The request signature ... AKIASECRETKEYID ...' }), 's3://b/k', 'GetObject', where);
  assert.doesNotMatch(e.describe(), /AKIASECRETKEYID/);
  assert.match(e.describe(), /credentials were rejected/);
});
