// Cruddur's only script, an enhancement: every page works without it.
// A live character counter under each text box that has one; over the limit it turns red
// and the form's submit button is disabled. The server checks the length either way.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("textarea[data-counter]").forEach(function (box) {
    var counter = document.getElementById(box.dataset.counter);
    if (!counter) return;
    var max = Number(counter.dataset.max);
    var button = box.form && box.form.querySelector("button[type=submit]");
    // The limit counts characters (code points), as the backend does, not UTF-16 units.
    // The script allows typing past maxlength so the counter can show by how much.
    box.removeAttribute("maxlength");
    function update() {
      var used = Array.from(box.value.trim()).length;
      counter.textContent = used + "/" + max;
      var over = used > max;
      counter.classList.toggle("over", over);
      box.setAttribute("aria-invalid", over ? "true" : "false");
      // An empty box is fine only where the field may be empty (data-optional, a bio).
      if (button) button.disabled = over || (used === 0 && !("optional" in box.dataset));
    }
    box.addEventListener("input", update);
    update();
  });
});
