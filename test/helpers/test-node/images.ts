// Images are never pulled (containers run local commands), but pulls can fail the way they do on a
// real node, for the tests of what the product does with pods that cannot start:
//   - a reference under `registry.invalid/` (a reserved name, RFC 6761): the registry does not resolve;
//   - a tag `does-not-exist` (`...:does-not-exist`): the registry has no such manifest.
// The container then waits with ErrImagePull, then ImagePullBackOff, as the kubelet reports it
// (messages as containerd words them), and the pod stays Pending.

/** docker.io/library/ added to short names, :latest to untagged ones, as containerd normalizes. */
export function normalizeImage(image: string): string {
  let ref = image;
  const first = ref.split('/')[0]!;
  if (!ref.includes('/')) ref = `docker.io/library/${ref}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') ref = `docker.io/${ref}`;
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  if (!last.includes(':') && !last.includes('@')) ref += ':latest';
  return ref;
}

/** The pull error containerd would report for `image`, or undefined when the pull "works". */
export function pullError(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const ref = normalizeImage(image);
  if (ref.startsWith('registry.invalid/')) {
    const rest = ref.slice('registry.invalid/'.length);
    const at = rest.lastIndexOf(':');
    const [repo, tag] = at > 0 ? [rest.slice(0, at), rest.slice(at + 1)] : [rest, 'latest'];
    return (
      `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ` +
      `failed to do request: Head "https://registry.invalid/v2/${repo}/manifests/${tag}": dial tcp: lookup registry.invalid: no such host`
    );
  }
  if (/:does-not-exist(@|$)/.test(ref)) {
    return `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
  }
  return undefined;
}
