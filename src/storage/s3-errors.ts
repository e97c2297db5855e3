/**
 * S3 SDK errors -> KindlingErrors that name the URI, say what happened and what to do.
 * Only the error's name, status and our own words are used: never request headers or
 * credentials.
 */
import { KindlingError } from '../common/errors.js';

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
  cause?: { code?: string };
}

export function s3Error(e: unknown, uri: string, op: string, where: string): KindlingError {
  if (e instanceof KindlingError) return e;
  const err = (e ?? {}) as SdkError;
  const name = err.name ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  const net = err.code ?? err.cause?.code;
  const at = { place: { file: uri } };
  const fail = (code: 'STORAGE' | 'INPUT_NOT_FOUND' | 'INPUT_CHANGED', message: string, hint: string, retryable = false) =>
    new KindlingError(code, `${op} ${uri}: ${message}`, { ...at, hint, retryable });

  switch (name) {
    case 'NoSuchBucket':
      return fail('STORAGE', `bucket ${bucketOf(uri)} does not exist at ${where}`, 'create the bucket or fix the URI');
    case 'NoSuchKey':
    case 'NotFound':
      return fail('INPUT_NOT_FOUND', 'no such object', 'check the URI; if it existed when the job was planned, it was deleted since');
    case 'PreconditionFailed':
      return fail('INPUT_CHANGED', 'the object changed since the job was planned (PreconditionFailed, 412)', 'rerun the job once the input is stable');
    case 'InvalidRange':
      return fail('STORAGE', 'InvalidRange: the range starts past the end of the object', 'the object is shorter than expected');
    case 'AccessDenied':
    case 'AllAccessDisabled':
      return fail('STORAGE', `access denied by ${where}`, 'give these credentials read/write permission on the bucket');
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
      return fail('STORAGE', `the credentials were rejected by ${where} (${name})`, 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the profile / spec.storage.credentialsSecret)');
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
      return fail('STORAGE', `the credentials have expired (${name})`, 'refresh the session credentials');
    case 'CredentialsProviderError':
      return fail('STORAGE', 'no S3 credentials found', 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (locally: source .kindling/services.env)');
    case 'AuthorizationHeaderMalformed':
    case 'PermanentRedirect':
    case 'IllegalLocationConstraintException':
      return fail('STORAGE', `wrong region for bucket ${bucketOf(uri)} (${name})`, 'set spec.storage.region or AWS_REGION to the bucket\'s region');
  }
  if (net === 'ECONNREFUSED' || net === 'ENOTFOUND' || net === 'EAI_AGAIN' || net === 'ECONNRESET' || net === 'ETIMEDOUT' || name === 'TimeoutError') {
    return fail('STORAGE', `cannot reach ${where} (${net ?? name})`, 'check spec.storage.endpoint / AWS_ENDPOINT_URL and that the server is up', true);
  }
  if (status !== undefined && status >= 500) {
    return fail('STORAGE', `server error ${status} (${name}) from ${where}`, 'retried; if it persists, check the server', true);
  }
  const text = String(err.message ?? name).split('\n')[0].slice(0, 200);
  return fail('STORAGE', `${name}${status ? ` (${status})` : ''}: ${text}`, `check the URI and the storage settings (${where})`, err.$fault === 'server');
}

function bucketOf(uri: string): string {
  return /^s3:\/\/([^/]+)/i.exec(uri)?.[1] ?? uri;
}
