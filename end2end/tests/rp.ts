// An independent relying party for the tests: npm openid-client, with its callback endpoint
// a real HTTP server on a random loopback port.
import * as client from "openid-client";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BASE_URL } from "../playwright.config";

/** A loopback HTTP server standing in for the relying party's callback endpoint. */
export async function callbackServer(): Promise<{ redirectUri: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><title>callback</title><p id="callback">${req.method} received</p>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { redirectUri: `http://127.0.0.1:${port}/cb`, close: () => server.close() };
}

/** openid-client's configuration for `clientId` at the Sesame at `base` (discovery). */
export async function discover(clientId: string, secret?: string, base = BASE_URL) {
  return client.discovery(
    new URL(base),
    clientId,
    secret ? { client_secret: secret } : undefined,
    secret ? client.ClientSecretBasic(secret) : client.None(),
    { execute: [client.allowInsecureRequests] },
  );
}

/** An authorization request of the code flow: PKCE (S256), state and nonce, with `extra`
 * parameters (`resource`, `organization_id`, `response_mode`…) added. */
export async function authorizationRequest(
  config: client.Configuration,
  redirectUri: string,
  scope: string,
  extra: Record<string, string> = {},
) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}
