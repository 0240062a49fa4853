// Starts GraphiQL against this service's /graphql (kept in a file: the page allows no inline script).
const root = ReactDOM.createRoot(document.getElementById("graphiql"));
const fetcher = GraphiQL.createFetcher({ url: "/graphql" });
root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }));
