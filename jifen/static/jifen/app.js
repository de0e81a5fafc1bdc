// htmx 2 swaps only 2xx by default; refused forms come back as 422 partials to show in place.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
