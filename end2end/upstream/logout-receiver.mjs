// The logout side of the tests' relying party: its back-channel logout endpoint (logout
// tokens POSTed by Sesame) and its front-channel logout page (loaded in a frame of Sesame's
// signed-out page). It keeps what it received for the tests to read.
//
// Usage: node upstream/logout-receiver.mjs PORT
//   POST /backchannel        form field logout_token; answers 200
//   GET  /frontchannel       query iss and sid; answers a tiny page
//   GET  /received           {"backchannel": [token, …], "frontchannel": [{iss, sid}, …]}
import http from "node:http";

const port = Number(process.argv[2]);
const backchannel = [];
const frontchannel = [];

http
  .createServer(async (req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    if (req.method === "POST" && url.pathname === "/backchannel") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const token = new URLSearchParams(body).get("logout_token");
      if (!token) return res.writeHead(400).end("no logout_token");
      backchannel.push(token);
      return res.writeHead(200, { "cache-control": "no-store" }).end();
    }
    if (req.method === "GET" && url.pathname === "/frontchannel") {
      frontchannel.push({ iss: url.searchParams.get("iss"), sid: url.searchParams.get("sid") });
      res.writeHead(200, { "content-type": "text/html", "cache-control": "no-store" });
      return res.end("<!doctype html><title>signed out</title>");
    }
    if (req.method === "GET" && url.pathname === "/received") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ backchannel, frontchannel }));
    }
    res.writeHead(404).end();
  })
  .listen(port, "127.0.0.1", () => console.log(`logout receiver on ${port}`));
