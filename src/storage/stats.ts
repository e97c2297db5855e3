/** Object-store traffic of this process (requests and bytes), for manifests and the bench. */
export interface IoStats {
  requests: number;
  bytesRead: number;
  bytesWritten: number;
}

export const ioStats: IoStats = { requests: 0, bytesRead: 0, bytesWritten: 0 };

export function snapshot(): IoStats {
  return { ...ioStats };
}

export function since(before: IoStats): IoStats {
  return { requests: ioStats.requests - before.requests, bytesRead: ioStats.bytesRead - before.bytesRead, bytesWritten: ioStats.bytesWritten - before.bytesWritten };
}

export function add(a: IoStats, b: IoStats | undefined): IoStats {
  return b ? { requests: a.requests + b.requests, bytesRead: a.bytesRead + b.bytesRead, bytesWritten: a.bytesWritten + b.bytesWritten } : a;
}
