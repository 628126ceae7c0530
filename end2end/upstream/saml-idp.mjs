// The SAML identity provider of the federation tests: an independent SAML 2.0 implementation
// (npm samlify, signatures by xml-crypto) behind a small HTTP server with a sign-in page.
// Sesame's SAML connector in sesame-e2e.toml points here; this IdP reads Sesame's service
// provider metadata from Sesame itself.
//
// Usage: node upstream/saml-idp.mjs PORT SESAME_URL CONNECTOR_ID
//
//   GET  /metadata        the IdP's metadata (entity id, sign-on URL, signing certificate)
//   GET  /sso             SP-initiated: the sign-in page for Sesame's AuthnRequest (HTTP-Redirect)
//   POST /sso             signs in (any email), or cancels, and posts the answer to Sesame
//   GET  /initiate        IdP-initiated: the page that starts a sign-in at Sesame unasked
//   POST /initiate        signs in and posts an unsolicited answer to Sesame
//
// The signing key is made at start with Debian's openssl: nothing secret is committed.
import http from "node:http";
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import samlify from "samlify";

const [port, sesame, connector] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;

// Schema validation is the service provider's business here; the test IdP trusts Sesame's
// requests as they come.
samlify.setSchemaValidator({ validate: async () => "skipped" });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "saml-idp-"));
execFileSync("openssl", [
  "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=saml-idp.test",
  "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
], { stdio: "ignore" });
const privateKey = fs.readFileSync(path.join(dir, "key.pem"), "utf8");
const signingCert = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");

const NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const idp = samlify.IdentityProvider({
  entityID: `${base}/metadata`,
  privateKey,
  signingCert,
  nameIDFormat: [NAMEID_PERSISTENT],
  singleSignOnService: [
    { Binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", Location: `${base}/sso` },
  ],
});

let spCache;
async function sp() {
  if (!spCache) {
    const res = await fetch(`${sesame}/saml/${connector}/metadata`);
    if (!res.ok) throw new Error(`Sesame's metadata: ${res.status}`);
    spCache = samlify.ServiceProvider({ metadata: await res.text() });
  }
  return spCache;
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, title, body) {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>` +
    `<body><main><h1>${esc(title)}</h1>${body}</main></body></html>`);
}

async function form(req) {
  let text = "";
  for await (const chunk of req) text += chunk;
  return Object.fromEntries(new URLSearchParams(text));
}

/** The login response for `email`, answering `request` (null: unsolicited). */
async function loginResponse(request, email, mfa) {
  const target = await sp();
  const acs = target.entityMeta.getAssertionConsumerService("post");
  const name = email.split("@")[0];
  // A stable opaque subject, as a directory would give: not the email address.
  const subject = "u-" + crypto.createHash("sha256").update(email).digest("hex").slice(0, 20);
  const now = new Date();
  const later = new Date(now.getTime() + 5 * 60_000);
  const inResponseTo = request?.extract?.request?.id ?? "";
  const context = mfa
    ? "http://schemas.microsoft.com/claims/multipleauthn"
    : "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
  const authn = `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="_s${crypto.randomUUID()}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${context}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;
  const attr = (n, v) => `<saml:Attribute Name="${n}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">` +
    `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue></saml:Attribute>`;
  const attributes = `<saml:AttributeStatement>${attr("email", email)}${attr("displayName", name.charAt(0).toUpperCase() + name.slice(1))}</saml:AttributeStatement>`;
  const id = idp.entitySetting.generateID();
  const values = {
    ID: id,
    AssertionID: idp.entitySetting.generateID(),
    Destination: acs,
    Audience: target.entityMeta.getEntityID(),
    SubjectRecipient: acs,
    Issuer: idp.entityMeta.getEntityID(),
    IssueInstant: now.toISOString(),
    StatusCode: "urn:oasis:names:tc:SAML:2.0:status:Success",
    ConditionsNotBefore: now.toISOString(),
    ConditionsNotOnOrAfter: later.toISOString(),
    SubjectConfirmationDataNotOnOrAfter: later.toISOString(),
    NameIDFormat: NAMEID_PERSISTENT,
    NameID: subject,
    InResponseTo: inResponseTo,
  };
  const { context: SAMLResponse } = await idp.createLoginResponse(target, request ?? null, "post", { email }, {
    customTagReplacement: (template) => {
      let xml = samlify.SamlLib.replaceTagsByValue(template, values);
      xml = xml.replace("{AuthnStatement}", authn).replace("{AttributeStatement}", attributes);
      // An unsolicited answer answers no request: no InResponseTo at all.
      if (!inResponseTo) xml = xml.replaceAll(' InResponseTo=""', "");
      return { id, context: xml };
    },
  });
  return { acs, SAMLResponse };
}

/** The page that posts an answer to Sesame: at once with JavaScript, by a button without. */
function postBack(res, acs, SAMLResponse, relayState) {
  page(res, "Returning to Sesame",
    `<form method="post" action="${esc(acs)}" id="saml">` +
    `<input type="hidden" name="SAMLResponse" value="${esc(SAMLResponse)}">` +
    (relayState ? `<input type="hidden" name="RelayState" value="${esc(relayState)}">` : "") +
    `<button type="submit">Continue to Sesame</button></form>` +
    `<script>document.getElementById("saml").submit()</script>`);
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, base);
    if (req.method === "GET" && url.pathname === "/metadata") {
      res.writeHead(200, { "content-type": "application/samlmetadata+xml" });
      return res.end(idp.getMetadata());
    }
    if (req.method === "GET" && url.pathname === "/sso") {
      const saml = url.searchParams.get("SAMLRequest") ?? "";
      const relay = url.searchParams.get("RelayState") ?? "";
      // Parsed here only to show that the request is well formed; parsed again on POST.
      await idp.parseLoginRequest(await sp(), "redirect", { query: Object.fromEntries(url.searchParams) });
      return page(res, "Sign in to Globex",
        `<form method="post" action="/sso">` +
        `<input type="hidden" name="SAMLRequest" value="${esc(saml)}">` +
        `<input type="hidden" name="RelayState" value="${esc(relay)}">` +
        `<label for="email">Email</label> <input id="email" name="email" type="email" required>` +
        `<label><input type="checkbox" name="mfa" value="1"> Used a second factor</label>` +
        `<button type="submit" name="action" value="sign-in">Sign in</button></form>`);
    }
    if (req.method === "POST" && url.pathname === "/sso") {
      const f = await form(req);
      const request = await idp.parseLoginRequest(await sp(), "redirect", {
        query: { SAMLRequest: f.SAMLRequest, RelayState: f.RelayState },
      });
      const { acs, SAMLResponse } = await loginResponse(request, f.email, f.mfa === "1");
      return postBack(res, acs, SAMLResponse, f.RelayState);
    }
    if (req.method === "GET" && url.pathname === "/initiate") {
      return page(res, "Globex apps",
        `<form method="post" action="/initiate">` +
        `<label for="email">Email</label> <input id="email" name="email" type="email" required>` +
        `<button type="submit">Open the Sesame demo</button></form>`);
    }
    if (req.method === "POST" && url.pathname === "/initiate") {
      const f = await form(req);
      const { acs, SAMLResponse } = await loginResponse(null, f.email, false);
      return postBack(res, acs, SAMLResponse, "");
    }
    res.writeHead(404).end("not found");
  } catch (e) {
    console.error(e);
    res.writeHead(500, { "content-type": "text/plain" }).end(String(e));
  }
});
server.listen(Number(port), "127.0.0.1", () => console.log(`saml-idp listening on ${base}`));
