# patches dist run-task.js to append "kind stage partition ms start" per task to /tmp/tasklog (tsc undoes)
f="$(dirname "$0")/../../dist/src/worker/tasks/run-task.js"
grep -q tasklog "$f" && exit 0
sed -i "s|^export default async function runTask(task) {|import { appendFileSync as __a } from 'node:fs';\nexport default async function runTask(task) { const __t0 = Date.now(); try { return await __runTask(task); } finally { if (task.kind !== 'warmup') __a('/tmp/tasklog', \`\${task.kind} \${task.stage} \${task.partition} \${Date.now() - __t0} \${__t0 % 100000}\\\\n\`); } }\nasync function __runTask(task) {|" "$f"
