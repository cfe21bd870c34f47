// The GraphiQL explorer at GET /graphql, on the copies of GraphiQL and React the binary serves,
// so it works on a network with no internet.
'use strict';

const fetcher = GraphiQL.createFetcher({ url: `${window.location.origin}/graphql` });
const example = `# Welcome to the Partnership Graph API.
# Press the run button (or Ctrl-Enter) to send this query; the docs are on the left.
query Projects {
  projects(first: 5) {
    totalCount
    nodes {
      acronym
      title(lang: "en")
      countries
    }
  }
}
`;
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, { fetcher, defaultQuery: example, shouldPersistHeaders: false }),
);
