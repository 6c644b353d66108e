(function () {
  var body = document.querySelector("#reports tbody");
  var rows = Array.prototype.slice.call(body.rows);
  var period = document.getElementById("period"), province = document.getElementById("province");
  var count = document.getElementById("count");
  function fold(text) { return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").toLowerCase(); }
  function filter() {
    var p = period.value, q = fold(province.value.trim()), shown = 0;
    rows.forEach(function (row) {
      var ok = (!p || row.dataset.period === p) && (!q || fold(row.dataset.search).indexOf(q) >= 0);
      row.hidden = !ok; if (ok) shown++;
    });
    count.textContent = shown + " báo cáo";
  }
  var direction = {};
  document.querySelectorAll("th button").forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.dataset.sort, numeric = key === "viec" || key === "tien";
      direction[key] = -(direction[key] || (numeric ? 1 : -1));
      rows.sort(function (a, b) {
        var x = a.dataset[key], y = b.dataset[key];
        if (numeric) { x = x === "" ? -1 : parseFloat(x); y = y === "" ? -1 : parseFloat(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * direction[key];
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  period.addEventListener("change", filter);
  province.addEventListener("input", filter);
})();
