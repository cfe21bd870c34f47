// Runs every graphql-http server audit against the server at GRAPHQL_URL and prints each
// result; exits non-zero when any result is not "ok".
import { serverAudits } from 'graphql-http';

const url = process.env.GRAPHQL_URL ?? 'http://127.0.0.1:8080/graphql';
const audits = serverAudits({ url, fetchFn: fetch });
let failures = 0;
for (const audit of audits) {
  const result = await audit.fn();
  const line = `${result.status.toUpperCase().padEnd(5)} ${audit.id} ${audit.name}`;
  if (result.status !== 'ok') {
    failures += 1;
    console.log(`${line}\n      ${result.reason}`);
  } else {
    console.log(line);
  }
}
console.log(`\n${audits.length - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
