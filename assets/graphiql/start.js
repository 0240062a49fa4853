// Starts GraphiQL against this service's /graphql (kept in a file: the page allows no inline
// script), opening on an example of Oversight's own (example.graphql) for a first visit; a
// returning visitor's own tabs are kept by GraphiQL.
const root = ReactDOM.createRoot(document.getElementById("graphiql"));
const fetcher = GraphiQL.createFetcher({ url: "/graphql" });
const render = (example) =>
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: example,
      defaultEditorToolsVisibility: true,
    })
  );
fetch("/graphiql/example.graphql")
  .then((r) => (r.ok ? r.text() : undefined))
  .then(render, () => render(undefined));
