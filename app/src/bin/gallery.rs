//! The theme gallery: every screen in every state from fixtures, rendered in the browser.
//! Built by `scripts/gallery.sh` (which also serves it for designers).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::gallery::Gallery);
}
