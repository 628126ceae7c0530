//! The static files of a release build (scripts/lib/site.sh `build_bundle release`): the
//! bundle named after its content and listed in hash.txt is what pages link, it is sent
//! brotli from the file beside it, and browsers may keep it for a year; every other file is
//! revalidated (`no-cache`); a file that is not there is a plain 404 that no cache keeps.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

const JS: &str = "0123456789abcdef";
const WASM: &str = "fedcba9876543210";
const CSS: &str = "00112233aabbccdd";

/// A site root like a release build's, with small stand-in files.
fn release_site(root: &std::path::Path) {
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg");
    for (name, body) in [
        (
            format!("sesame.{JS}.js"),
            "export default async function init() {}",
        ),
        (format!("sesame.{WASM}.wasm"), "\0asm"),
        (format!("sesame.{CSS}.css"), "body{margin:0}"),
    ] {
        std::fs::write(pkg.join(&name), body).expect("file");
        // The brotli file beside it (stand-in bytes: served as they are, never decoded).
        std::fs::write(pkg.join(format!("{name}.br")), b"brotli!").expect("br");
    }
    std::fs::write(root.join("favicon.svg"), "<svg/>").expect("favicon");
    std::fs::write(
        root.join("hash.txt"),
        format!("js: {JS}\nwasm: {WASM}\ncss: {CSS}\n"),
    )
    .expect("hash.txt");
}

async fn fetch(s: &mut TestServer, path: &str) -> Answer {
    let req = Request::get(path)
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .body(Body::empty())
        .expect("request");
    s.send(req).await
}

fn cache_control(a: &Answer) -> &str {
    a.headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn a_release_bundle_is_linked_by_content_and_cached_for_a_year() {
    let site = tempfile::tempdir().expect("site root");
    release_site(site.path());
    let root = site.path().to_path_buf();
    let mut s = TestServer::start_with(move |c| c.server.site_root = root).await;

    let page = s.get("/sign-in").await;
    assert_eq!(page.status, StatusCode::OK);
    for linked in [
        format!("/pkg/sesame.{CSS}.css"),
        format!("/pkg/sesame.{JS}.js"),
        format!("/pkg/sesame.{WASM}.wasm"),
    ] {
        assert!(
            page.body.contains(&linked),
            "the page links {linked}: {}",
            page.body
        );
    }
    assert!(
        !page.body.contains("/pkg/sesame.css"),
        "no unnamed stylesheet"
    );
    assert_eq!(cache_control(&page), "no-store", "pages are never cached");

    for (path, kind) in [
        (format!("/pkg/sesame.{JS}.js"), "text/javascript"),
        (format!("/pkg/sesame.{WASM}.wasm"), "application/wasm"),
        (format!("/pkg/sesame.{CSS}.css"), "text/css"),
    ] {
        let a = fetch(&mut s, &path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(
            cache_control(&a),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert_eq!(
            a.headers
                .get(header::CONTENT_ENCODING)
                .map(|v| v.as_bytes()),
            Some(&b"br"[..]),
            "{path}"
        );
        assert_eq!(a.body, "brotli!", "{path}: the precompressed file");
        let ct = a
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(ct.starts_with(kind), "{path}: {ct}");
    }

    let icon = fetch(&mut s, "/favicon.svg").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(
        cache_control(&icon),
        "no-cache",
        "files not named by content are revalidated"
    );

    // A content name that is not there (an old release's, say) is not found, and not kept.
    let gone = fetch(&mut s, "/pkg/sesame.aaaaaaaaaaaaaaaa.wasm").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(
        !cache_control(&gone).contains("immutable"),
        "{}",
        cache_control(&gone)
    );
}

#[tokio::test]
async fn a_debug_bundle_keeps_plain_names_and_is_revalidated() {
    // The test command's own build: no hash.txt, plain names, nothing cached for long.
    let site = tempfile::tempdir().expect("site root");
    std::fs::create_dir_all(site.path().join("pkg")).expect("pkg");
    std::fs::write(site.path().join("pkg/sesame.css"), "body{}").expect("css");
    let root = site.path().to_path_buf();
    let mut s = TestServer::start_with(move |c| c.server.site_root = root).await;
    let page = s.get("/sign-in").await;
    assert!(page.body.contains("/pkg/sesame.css"), "{}", page.body);
    assert!(page.body.contains("/pkg/sesame.js"), "{}", page.body);
    let css = fetch(&mut s, "/pkg/sesame.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(cache_control(&css), "no-cache");
}

#[test]
fn content_names_are_told_apart_from_other_names() {
    use server::is_content_named;
    assert!(is_content_named("/pkg/sesame.0123456789abcdef.wasm"));
    assert!(is_content_named("/pkg/sesame.0123456789ABCDEF.js"));
    for other in [
        "/pkg/sesame.wasm",
        "/pkg/sesame.css",
        "/pkg/sesame.0123456789abcde.js",
        "/pkg/sesame.0123456789abcdefg.js",
        "/pkg/sesame.0123456789abcdex.js",
        "/pkg/.0123456789abcdef.js",
        "/pkg/a/sesame.0123456789abcdef.js",
        "/sesame.0123456789abcdef.js",
        "/favicon.svg",
        "/pkg/0123456789abcdef",
    ] {
        assert!(!is_content_named(other), "{other}");
    }
}
