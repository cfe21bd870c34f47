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

/// Follows `changes` on `subscriber`, keeping each change with the time it arrived. A change
/// may arrive before the write that made it has answered, so waits look at what came already.
function follow(subscriber, variables) {
  const seen = [];
  const waiters = new Set();
  let failure = null;
  const stop = subscriber.subscribe(
    { query: CHANGES, variables },
    {
      next: (value) => {
        if (value.errors) failure = new Error(JSON.stringify(value.errors));
        else seen.push({ change: value.data.changes, at: performance.now() });
        waiters.forEach((wake) => wake());
      },
      error: (error) => {
        failure = error instanceof Error ? error : new Error(JSON.stringify(error));
        waiters.forEach((wake) => wake());
      },
      complete: () => {},
    },
  );
  /// Resolves with the changes seen once `enough(seen)` holds.
  const until = (enough) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`the changes did not arrive within 20 s: ${JSON.stringify(seen)}`));
      }, 20000);
      function check() {
        if (failure) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(failure);
        } else if (enough(seen)) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(seen);
        }
      }
      waiters.add(check);
      check();
    });
  return { until, stop };
}

const arrivalOf = (seen, id) => seen.find((entry) => entry.change.node.recordId === id);

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
  const changes = follow(subscriber, { types: ['FUNDER'] });
  await pause(500);
  const written = performance.now();
  const funder = await createFunder(first, `ws-across-${stamp}`);
  const seen = await changes.until((seen) => arrivalOf(seen, funder));
  const latency = arrivalOf(seen, funder).at - written;
  console.log(`a change through one replica reached a subscriber on the other in ${latency.toFixed(0)} ms`);
  check(latency < MAX_LATENCY_MS, `delivered across replicas in ${latency.toFixed(0)} ms (at most ${MAX_LATENCY_MS})`);
  changes.stop();
  await subscriber.dispose();
}

// Through the proxy, and a reconnect that catches up from the last cursor.
{
  const subscriber = client(proxy, readerKey);
  const changes = follow(subscriber, { types: ['FUNDER'] });
  await pause(500);
  const funder = await createFunder(proxy, `ws-proxy-${stamp}`);
  const seen = await changes.until((seen) => arrivalOf(seen, funder));
  const cursor = arrivalOf(seen, funder).change.cursor;
  changes.stop();
  await subscriber.dispose();
  check(typeof cursor === 'string', 'a change through the proxy reached a subscriber through the proxy');

  const missed = [await createFunder(proxy, `ws-missed-1-${stamp}`), await createFunder(proxy, `ws-missed-2-${stamp}`)];
  const again = client(proxy, readerKey);
  const caughtUp = follow(again, { types: ['FUNDER'], after: cursor });
  const got = await caughtUp.until((seen) => seen.length >= missed.length);
  caughtUp.stop();
  await again.dispose();
  const ids = got.slice(0, missed.length).map((entry) => entry.change.node.recordId);
  check(JSON.stringify(ids) === JSON.stringify(missed), `the reconnect caught up in order: ${ids} vs ${missed}`);
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
