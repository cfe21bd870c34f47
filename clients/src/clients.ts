// One typed query through each of graphql-request, urql and Apollo Client against a running
// server (GRAPHQL_URL), with the types GraphQL Code Generator wrote from the schema. Exits
// non-zero when a client fails or the answers disagree.
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { Client, cacheExchange, fetchExchange } from '@urql/core';
import { GraphQLClient } from 'graphql-request';

import {
  NodeByIdDocument,
  ProjectsByCountryDocument,
  type NodeByIdQuery,
  type ProjectsByCountryQuery,
} from './generated/graphql.js';
import possibleTypes from './generated/possible-types.js';

const url = process.env.GRAPHQL_URL ?? 'http://127.0.0.1:8080/graphql';
const variables = { first: 10 };

function check(condition: boolean, message: string): void {
  if (!condition) {
    throw new Error(message);
  }
}

function summary(data: ProjectsByCountryQuery): string {
  // Typed: `amount` is a decimal string, never a float.
  const amounts: string[] = data.projects.nodes.flatMap((p) =>
    p.fundingLines.map((line) => `${line.amount.amount} ${line.amount.currency}`),
  );
  return `${data.projects.totalCount} projects [${amounts.join(', ')}]`;
}

async function viaGraphqlRequest(): Promise<ProjectsByCountryQuery> {
  const client = new GraphQLClient(url);
  return client.request(ProjectsByCountryDocument, variables);
}

async function viaUrql(): Promise<ProjectsByCountryQuery> {
  const client = new Client({ url, exchanges: [cacheExchange, fetchExchange] });
  const result = await client.query(ProjectsByCountryDocument, variables).toPromise();
  if (result.error || !result.data) {
    throw new Error(`urql: ${result.error?.message ?? 'no data'}`);
  }
  return result.data;
}

function apollo(): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri: url }),
    // Without possibleTypes Apollo cannot tell which types implement `Node`, and drops the
    // fields of fragments on them (`... on Project { acronym }` under `node`).
    cache: new InMemoryCache({ possibleTypes: possibleTypes.possibleTypes }),
  });
}

async function viaApollo(): Promise<ProjectsByCountryQuery> {
  const result = await apollo().query({ query: ProjectsByCountryDocument, variables });
  if (!result.data) {
    throw new Error('Apollo Client: no data');
  }
  return result.data;
}

async function nodeViaApollo(id: string): Promise<NodeByIdQuery> {
  const result = await apollo().query({ query: NodeByIdDocument, variables: { id } });
  if (!result.data) {
    throw new Error('Apollo Client: no data for node');
  }
  return result.data;
}

const answers = {
  'graphql-request': await viaGraphqlRequest(),
  urql: await viaUrql(),
  'Apollo Client': await viaApollo(),
};
const expected = summary(answers['graphql-request']);
for (const [client, data] of Object.entries(answers)) {
  console.log(`${client}: ${summary(data)}`);
  check(summary(data) === expected, `${client} disagrees: ${summary(data)} != ${expected}`);
}
check(answers.urql.projects.totalCount > 0, 'no projects');
check(expected.includes('96352.40 EUR'), `the exact amount is missing: ${expected}`);

check(
  answers['Apollo Client'].projects.nodes.every((p) => typeof p.id === 'string'),
  'Apollo Client dropped the fields of a fragment on Node',
);

const first = answers['graphql-request'].projects.nodes[0];
const node = await nodeViaApollo(first.id);
check(node.node?.__typename === 'Project', `node is ${node.node?.__typename}`);
if (node.node?.__typename === 'Project') {
  check(node.node.acronym === first.acronym, 'Apollo Client dropped the fragment on Node');
  console.log(`Apollo Client: node(id) kept the Project fragment (acronym ${node.node.acronym})`);
}
console.log('typed clients: ok');
