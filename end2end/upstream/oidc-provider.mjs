// The upstream identity provider of the federation tests: npm's oidc-provider, an
// independent OpenID Connect implementation, with its development login screen (any login
// name signs in). Sesame's connectors in sesame-e2e*.toml point here.
//
// Usage: node upstream/oidc-provider.mjs PORT SESAME_URL...
// The login name decides the account:
//   "alice@social.example"            sub = the login, email = the login, verified
//   "unverified:bob@example.com"      email bob@example.com, email_verified false
//   "noemail:someone"                 no email at all
import Provider from "oidc-provider";

const [port, ...sesames] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const connectors = ["upstream", "trusted", "upstream-oauth", "acme", "acme-mfa"];
const redirects = sesames.flatMap((s) => connectors.map((c) => `${s}/federation/callback/${c}`));

function account(login) {
  let email = login;
  let verified = true;
  if (login.startsWith("unverified:")) {
    email = login.slice("unverified:".length);
    verified = false;
  } else if (login.startsWith("noemail:")) {
    email = undefined;
  }
  const name = (email ?? login).split("@")[0].replace(/^[a-z]+:/, "");
  return {
    accountId: login,
    async claims() {
      return {
        sub: login,
        ...(email ? { email, email_verified: verified } : {}),
        name: name.charAt(0).toUpperCase() + name.slice(1),
      };
    },
  };
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "sesame",
      client_secret: "sesame-upstream-secret",
      redirect_uris: redirects,
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
  },
  findAccount: (_ctx, id) => account(id),
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
