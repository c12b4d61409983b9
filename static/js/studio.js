// Studio outline: drag-and-drop reordering of items, on top of the Move buttons that
// work without JavaScript. A drop submits the same move form with the new position.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function submitMove(url, position) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = url;
    [["csrf_token", csrfToken()], ["position", String(position)]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function enable(list) {
    var dragged = null;
    Array.prototype.forEach.call(list.querySelectorAll("li[data-move-url]"), function (li) {
      li.draggable = true;
      li.addEventListener("dragstart", function (event) {
        dragged = li;
        li.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
      });
      li.addEventListener("dragend", function () {
        li.classList.remove("dragging");
        dragged = null;
      });
      li.addEventListener("dragover", function (event) {
        if (dragged && dragged !== li) {
          event.preventDefault();
          li.classList.add("drop-target");
        }
      });
      li.addEventListener("dragleave", function () { li.classList.remove("drop-target"); });
      li.addEventListener("drop", function (event) {
        event.preventDefault();
        li.classList.remove("drop-target");
        if (dragged && dragged !== li) {
          submitMove(dragged.getAttribute("data-move-url"), li.getAttribute("data-position"));
        }
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("ol.items"), enable);
})();
