// Starts GraphiQL on Coso's page. A file of its own, not an inline script, so the page's
// Content-Security-Policy allows scripts from this server only.
"use strict";

(function () {
  const WELCOME = `# Coso's GraphQL API
#
# Anonymous until you put an API token after
# "Bearer " in the Headers tab below:
#   coso token create --user EMAIL
# issues one, scripts/demo prints one per demo
# user. This browser keeps the headers you type.
#
# Run: Ctrl-Enter or ▶. Complete: Ctrl-Space.
# Docs and Explorer (left) browse the schema
# once a token is set (then ↻ re-fetches it):
# it is not shown to anonymous callers.
#
# Who am I, and what can I do where?

{
  viewer {
    user { email name }
    memberships { brand { name slug } roles }
  }
}
`;
  const DEFAULT_HEADERS = `{
  "Authorization": "Bearer "
}`;

  // ?q=…&variables=… share a query (the names strawberry's page used); headers never go
  // into the URL, they may hold a token.
  const parameters = new URLSearchParams(window.location.search);

  function remember(name, value) {
    if (value) {
      parameters.set(name, value);
    } else {
      parameters.delete(name);
    }
    const search = parameters.toString();
    history.replaceState(null, "", search ? "?" + search : window.location.pathname);
  }

  const url = window.location.href.split(/[?#]/)[0];
  const subscriptionUrl = new URL(url);
  subscriptionUrl.protocol = subscriptionUrl.protocol === "https:" ? "wss:" : "ws:";

  const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl: subscriptionUrl.toString() });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();

  function CosoGraphiQL() {
    const [query, setQuery] = React.useState(parameters.get("q") || WELCOME);
    const [variables, setVariables] = React.useState(parameters.get("variables") || undefined);
    return React.createElement(GraphiQL, {
      fetcher,
      plugins: [explorer],
      query,
      variables,
      defaultHeaders: DEFAULT_HEADERS,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
      onEditQuery(value) {
        setQuery(value);
        remember("q", value === WELCOME ? "" : value);
      },
      onEditVariables(value) {
        setVariables(value);
        remember("variables", value);
      },
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(CosoGraphiQL),
  );
})();
