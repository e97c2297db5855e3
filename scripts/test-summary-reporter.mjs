// A node:test reporter for scripts/test.mjs: one JSON line per finished test (name, file,
// whether it passed, failed or was skipped and why), so the runner can close with one summary
// of what was skipped and how to enable it. The usual reporter still prints the run itself.
export default async function* summaryReporter(source) {
  for await (const e of source) {
    if (e.type !== 'test:pass' && e.type !== 'test:fail') continue;
    const d = e.data;
    if (d.details?.type === 'suite') continue;
    const status = e.type === 'test:fail' ? 'fail' : d.skip !== undefined && d.skip !== false ? 'skip' : d.todo !== undefined && d.todo !== false ? 'todo' : 'pass';
    yield JSON.stringify({ status, name: d.name, file: d.file, nesting: d.nesting, reason: typeof d.skip === 'string' ? d.skip : undefined }) + '\n';
  }
}
