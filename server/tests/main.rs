//! Every integration test of the server, in one test binary: one module per flow, named
//! after the flow's screen and server side (`account`, `mfa`, `saml`, ...), and the shared
//! harness in `common`. One binary instead of one per file because each test binary links
//! the whole server (about 175 MB of debug build); twenty of them cost ten minutes of a cold
//! CI run on two cores. Run one flow with `cargo test --workspace --test integration mfa::`
//! (`--workspace` as scripts/test.sh selects it: `-p server` resolves features anew and
//! compiles everything again).

mod common;

mod account;
mod account_api;
mod audit;
mod b2c;
mod branding;
mod consent;
mod experience;
mod federation;
mod flow_props;
mod magic_link;
mod mfa;
mod oidc;
mod organization;
mod overload;
mod redirect_uri_props;
mod render;
mod saml;
mod security;
mod sign_out;
mod static_files;
