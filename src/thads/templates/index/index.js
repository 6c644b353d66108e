(function () {
  var body = document.querySelector("#reports tbody");
  var rows = Array.prototype.slice.call(body.rows);
  var period = document.getElementById("period"), province = document.getElementById("province");
  var count = document.getElementById("count");
  // Lower-case first, so that "Đ" becomes "đ" before it is folded to "d" ("Đà Nẵng" matches "da nang").
  function fold(text) { return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d"); }
  function filter() {
    var p = period.value, q = fold(province.value.trim()), shown = 0;
    rows.forEach(function (row) {
      var ok = (!p || row.dataset.period === p) && (!q || fold(row.dataset.search).indexOf(q) >= 0);
      row.hidden = !ok; if (ok) shown++;
    });
    count.textContent = shown + " báo cáo";
  }
  var direction = {};
  var buttons = document.querySelectorAll("th button");
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.dataset.sort, numeric = key === "viec" || key === "tien";
      // Figures sort from the highest first, names and codes from A first; a second click reverses.
      direction[key] = -(direction[key] || (numeric ? 1 : -1));
      rows.sort(function (a, b) {
        var x = a.dataset[key], y = b.dataset[key];
        if (!numeric) return x.localeCompare(y, "vi") * direction[key];
        x = x === "" ? -1 : parseFloat(x); y = y === "" ? -1 : parseFloat(y);
        return (x < y ? -1 : x > y ? 1 : 0) * direction[key];
      });
      rows.forEach(function (row) { body.appendChild(row); });
      buttons.forEach(function (other) { other.parentNode.removeAttribute("aria-sort"); });
      button.parentNode.setAttribute("aria-sort", direction[key] > 0 ? "ascending" : "descending");
    });
  });
  period.addEventListener("change", filter);
  province.addEventListener("input", filter);
  filter();
})();
