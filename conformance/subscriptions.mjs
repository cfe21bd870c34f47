// Subscriptions across replicas, with the graphql-ws client a browser or Node integration uses:
// a change written through one replica reaches a subscriber on the other within a second; a
// subscriber through the proxy gets changes written through the proxy; a client that reconnects
// with its last cursor gets what it missed, in order; a refused key closes the socket with 4403.
//
//   REPLICAS=127.0.0.1:18201,127.0.0.1:18202 PROXY=127.0.0.1:18200 \
//   ADMIN_KEY=... READER_KEY=... node conformance/subscriptions.mjs
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [first, second] = process.env.REPLICAS.split(',');
const proxy = process.env.PROXY;
const adminKey = process.env.ADMIN_KEY;
const readerKey = process.env.READER_KEY;
const MAX_LATENCY_MS = 1000;
let checks = 0;

function check(condition, message) {
  if (!condition) {
    console.error(`subscription check failed: ${message}`);
    process.exit(1);
  }
  checks += 1;
}

function client(host, key, on = {}) {
  return createClient({
    url: `ws://${host}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { 'X-API-Key': key },
    lazy: false,
    retryAttempts: 0,
    on,
  });
}

const CHANGES = `subscription($after: String, $types: [RecordType!]) {
  changes(after: $after, recordTypes: $types) {
    cursor node { operation recordType recordId node { ... on Funder { id } } } } }`;

/// Follows `changes` on `subscriber`, handing each change to `take` until it returns true.
function follow(subscriber, variables, take) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no change arrived within 20 s')), 20000);
    const stop = subscriber.subscribe(
      { query: CHANGES, variables },
      {
        next: (value) => {
          if (value.errors) {
            reject(new Error(JSON.stringify(value.errors)));
            return;
          }
          if (take(value.data.changes)) {
            clearTimeout(timer);
            stop();
            resolve();
          }
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => {},
      },
    );
  });
}

async function createFunder(host, key) {
  const response = await fetch(`http://${host}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
    body: JSON.stringify({
      query: `mutation($input: CreateFunderInput!) {
        createFunder(input: $input) { funder { id } userErrors { code message } } }`,
      variables: { input: { key, name: [{ lang: 'en', text: key, isOriginal: true }] } },
    }),
  });
  const body = await response.json();
  const payload = body.data?.createFunder;
  check(payload && payload.userErrors.length === 0, `createFunder through ${host}: ${JSON.stringify(body)}`);
  return payload.funder.id;
}

const stamp = Date.now();
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Written through the first replica, delivered by the second, within a second.
{
  const subscriber = client(second, readerKey);
  let written;
  let latency;
  let funder;
  const arrived = follow(subscriber, { types: ['FUNDER'] }, (change) => {
    if (change.node.recordId !== funder) return false;
    latency = performance.now() - written;
    return true;
  });
  await pause(500);
  written = performance.now();
  funder = await createFunder(first, `ws-across-${stamp}`);
  await arrived;
  console.log(`a change through one replica reached a subscriber on the other in ${latency.toFixed(0)} ms`);
  check(latency < MAX_LATENCY_MS, `delivered across replicas in ${latency.toFixed(0)} ms (at most ${MAX_LATENCY_MS})`);
  await subscriber.dispose();
}

// Through the proxy, and a reconnect that catches up from the last cursor.
{
  const subscriber = client(proxy, readerKey);
  let cursor;
  let funder;
  const arrived = follow(subscriber, { types: ['FUNDER'] }, (change) => {
    if (change.node.recordId !== funder) return false;
    cursor = change.cursor;
    return true;
  });
  await pause(500);
  funder = await createFunder(proxy, `ws-proxy-${stamp}`);
  await arrived;
  await subscriber.dispose();
  check(typeof cursor === 'string', 'a change through the proxy reached a subscriber through the proxy');

  const missed = [await createFunder(proxy, `ws-missed-1-${stamp}`), await createFunder(proxy, `ws-missed-2-${stamp}`)];
  const again = client(proxy, readerKey);
  const seen = [];
  await follow(again, { types: ['FUNDER'], after: cursor }, (change) => {
    seen.push(change.node.recordId);
    return seen.length === missed.length;
  });
  await again.dispose();
  check(JSON.stringify(seen) === JSON.stringify(missed), `the reconnect caught up in order: ${seen} vs ${missed}`);
}

// A key that is not known closes the socket with 4403.
{
  const closed = new Promise((resolve) => {
    const refused = client(proxy, 'not-a-key-0123456789', { closed: (event) => resolve(event.code) });
    refused.on('error', () => {});
  });
  const code = await Promise.race([closed, pause(10000).then(() => 'no close')]);
  check(code === 4403, `a refused key closes with 4403, got ${code}`);
}

console.log(`subscriptions: ${checks} checks passed with the graphql-ws client against two replicas`);
process.exit(0);
