// Submits the response form of response_mode=form_post at once. Without JavaScript the user
// presses the Continue button instead.
document.getElementById("form-post")?.submit();
