(function (id) {
  var me = document.currentScript;  // null where a notebook evaluates the script itself
  function bytes(text) {
    var raw = atob(text), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function act(name, v) {
    if (name === "relu") return v > 0 ? v : 0;
    if (name === "sigmoid") return 1 / (1 + Math.exp(-v));
    if (name === "tanh") return Math.tanh(v);
    if (name === "softplus") return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    return v;
  }
  function network(spec) {
    var layers = spec.map(function (l) {
      return { n: l.inputs, m: l.outputs, act: l.activation,
               q: new Int8Array(bytes(l.q).buffer), scale: new Float32Array(bytes(l.scale).buffer),
               bias: new Float32Array(bytes(l.bias).buffer) };
    });
    return function (x) {
      for (var k = 0; k < layers.length; k++) {
        var l = layers[k], acc = new Float64Array(l.m);
        for (var i = 0; i < l.n; i++) {
          var xi = x[i];
          if (xi === 0) continue;
          var row = i * l.m;
          for (var j = 0; j < l.m; j++) acc[j] += xi * l.q[row + j];
        }
        for (var j2 = 0; j2 < l.m; j2++) acc[j2] = act(l.act, acc[j2] * l.scale[j2] + l.bias[j2]);
        x = acc;
      }
      return x;
    };
  }
  function paint(canvas, values) {
    var ctx = canvas.getContext("2d"), img = ctx.createImageData(canvas.width, canvas.height);
    for (var p = 0; p < values.length; p++) {
      var g = Math.round(Math.min(1, Math.max(0, values[p])) * 255);
      img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = g;
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }
  function fit(canvas) {
    var ratio = window.devicePixelRatio || 1, w = canvas.clientWidth, h = canvas.clientHeight;
    if (!w || !h) return null;
    var W = Math.round(w * ratio), H = Math.round(h * ratio);
    if (canvas.width !== W || canvas.height !== H) { canvas.width = W; canvas.height = H; }
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { ctx: ctx, w: w, h: h };
  }
  function watchSize(canvas, draw) {
    if (window.ResizeObserver) new ResizeObserver(draw).observe(canvas);
    window.addEventListener("resize", draw);
  }
  function pad(root, data) {
    var decode = network(data.layers), L = data.limit;
    var plane = root.querySelector(".cp-plane"), image = root.querySelector(".cp-image");
    var caption = root.querySelector(".cp-caption");
    var xy = new Int16Array(bytes(data.points).buffer), labels = bytes(data.labels);
    var z = [0, 0], pending = false, draws = 0;
    function drawPlane() {
      var f = fit(plane);
      if (!f) return;
      var c = f.ctx, s = f.w / (2 * L);
      var px = function (v) { return (v + L) * s; }, py = function (v) { return (L - v) * s; };
      c.fillStyle = "#fff"; c.fillRect(0, 0, f.w, f.h);
      c.strokeStyle = "#e4e4e4"; c.lineWidth = 1; c.fillStyle = "#777"; c.font = "10px sans-serif";
      for (var t = Math.ceil(-L); t <= Math.floor(L); t++) {
        c.beginPath(); c.moveTo(px(t), 0); c.lineTo(px(t), f.h); c.moveTo(0, py(t)); c.lineTo(f.w, py(t)); c.stroke();
        if (t > -L && t < L) { c.fillText(String(t), px(t) + 2, f.h - 3); c.fillText(String(t), 2, py(t) - 2); }
      }
      c.globalAlpha = 0.55;
      for (var k = 0; k < labels.length; k++) {
        c.fillStyle = data.colours[labels[k]];
        c.fillRect(px(xy[2 * k] / 32767 * L) - 1.25, py(xy[2 * k + 1] / 32767 * L) - 1.25, 2.5, 2.5);
      }
      c.globalAlpha = 1; c.fillStyle = "#333"; c.font = "12px sans-serif";
      c.fillText("z\u2081 \u2192", f.w - 34, f.h - 16); c.fillText("z\u2082 \u2191", 4, 14);
      var mx = px(z[0]), my = py(z[1]);
      c.lineWidth = 3; c.strokeStyle = "#fff";
      c.beginPath(); c.arc(mx, my, 8, 0, 2 * Math.PI); c.moveTo(mx - 13, my); c.lineTo(mx + 13, my);
      c.moveTo(mx, my - 13); c.lineTo(mx, my + 13); c.stroke();
      c.lineWidth = 1.5; c.strokeStyle = "#000"; c.stroke();
    }
    function show() {
      pending = false;
      paint(image, decode(Float64Array.from(z)));
      draws += 1;
      caption.textContent = "z = (" + z[0].toFixed(2) + ", " + z[1].toFixed(2) + ")";
      root.dataset.z = z[0] + "," + z[1];
      root.dataset.draws = draws;
      drawPlane();
    }
    function moveTo(event) {
      var r = plane.getBoundingClientRect();
      var u = Math.min(1, Math.max(0, (event.clientX - r.left) / r.width));
      var v = Math.min(1, Math.max(0, (event.clientY - r.top) / r.height));
      z = [-L + 2 * L * u, L - 2 * L * v];
      if (!pending) { pending = true; requestAnimationFrame(show); }
    }
    plane.addEventListener("pointerdown", function (event) {
      plane.setPointerCapture(event.pointerId); moveTo(event); event.preventDefault();
    });
    plane.addEventListener("pointermove", function (event) { if (event.buttons) moveTo(event); });
    plane.addEventListener("keydown", function (event) {
      var step = L / 40;
      var d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[event.key];
      if (!d) return;
      event.preventDefault();
      z = [Math.min(L, Math.max(-L, z[0] + d[0])), Math.min(L, Math.max(-L, z[1] + d[1]))];
      show();
    });
    watchSize(plane, drawPlane);
    show();
  }
  function denoise(root, data) {
    var run = network(data.layers), n = data.image[0] * data.image[1];
    var clean = bytes(data.clean), noise = new Int8Array(bytes(data.noise).buffer);
    var slider = root.querySelector(".cp-level"), valueOut = root.querySelector(".cp-level-value");
    var chart = root.querySelector(".cp-chart"), picks = root.querySelectorAll(".cp-pick");
    var index = 0, curve = null, levels = [];
    for (var t = 1; t <= 20; t++) levels.push(data.max_level * t / 20);  // no noise: PSNR infinite
    function inputs(i, level) {
      var x = new Float64Array(n), y = new Float64Array(n);
      for (var p = 0; p < n; p++) {
        x[p] = clean[i * n + p] / 255;
        y[p] = Math.min(1, Math.max(0, x[p] + level * noise[i * n + p] * data.noise_scale));
      }
      return [x, y];
    }
    function psnr(x, y) {
      var e = 0;
      for (var p = 0; p < n; p++) e += (x[p] - y[p]) * (x[p] - y[p]);
      return e === 0 ? Infinity : 10 * Math.log10(n / e);
    }
    function drawChart(level, now) {
      var f = fit(chart);
      if (!f) return;
      var c = f.ctx, left = 34, bottom = f.h - 26, top = 20, right = f.w - 8;
      var all = curve.noisy.concat(curve.denoised).filter(isFinite);
      var lo = Math.floor(Math.min.apply(null, all) / 5) * 5, hi = Math.ceil(Math.max.apply(null, all) / 5) * 5;
      var X = function (v) { return left + (right - left) * v / data.max_level; };
      var Y = function (v) { return bottom - (bottom - top) * (Math.min(hi, v) - lo) / (hi - lo || 1); };
      c.fillStyle = "#fff"; c.fillRect(0, 0, f.w, f.h);
      c.font = "10px sans-serif"; c.fillStyle = "#555"; c.strokeStyle = "#e4e4e4"; c.lineWidth = 1;
      for (var d = lo; d <= hi; d += 5) {
        c.beginPath(); c.moveTo(left, Y(d)); c.lineTo(right, Y(d)); c.stroke(); c.fillText(d + "", 4, Y(d) + 3);
      }
      c.textAlign = "center";
      for (var s = 0; s <= 4; s++) {
        var tick = data.max_level * s / 4;
        c.fillText(tick.toFixed(2), Math.min(right - 10, X(tick)), bottom + 12);
      }
      c.fillText("noise level \u03c3", (left + right) / 2, f.h - 2);
      c.textAlign = "start";
      if (data.trained_level !== null) {
        c.setLineDash([4, 3]); c.strokeStyle = "#888"; c.beginPath();
        c.moveTo(X(data.trained_level), top); c.lineTo(X(data.trained_level), bottom); c.stroke(); c.setLineDash([]);
      }
      [["noisy", "#d62728"], ["denoised", "#1f77b4"]].forEach(function (k) {
        c.strokeStyle = k[1]; c.lineWidth = 2; c.beginPath();
        levels.forEach(function (v, j) {
          var yv = Y(curve[k[0]][j]);
          if (j) c.lineTo(X(v), yv); else c.moveTo(X(v), yv);
        });
        c.stroke(); c.fillStyle = k[1];
        c.beginPath(); c.arc(X(level), Y(now[k[0]]), 4, 0, 2 * Math.PI); c.fill();
      });
      c.font = "11px sans-serif"; c.fillStyle = "#333"; c.fillText("PSNR (dB)", 4, 11);
      c.fillStyle = "#1f77b4"; c.fillText("denoised output", right - 92, top + 10);
      c.fillStyle = "#d62728"; c.fillText("noisy input", right - 92, top + 24);
    }
    function show() {
      var level = parseFloat(slider.value), xy = inputs(index, level), out = run(xy[1]);
      var now = { noisy: psnr(xy[0], xy[1]), denoised: psnr(xy[0], out) };
      paint(root.querySelector(".cp-clean"), xy[0]);
      paint(root.querySelector(".cp-noisy"), xy[1]);
      paint(root.querySelector(".cp-denoised"), out);
      valueOut.textContent = level.toFixed(2);
      var noisyText = isFinite(now.noisy) ? now.noisy.toFixed(1) : "\u221e";
      root.querySelector(".cp-noisy-label").innerHTML = "noisy<br>" + noisyText + " dB";
      root.querySelector(".cp-denoised-label").innerHTML = "denoised<br>" + now.denoised.toFixed(1) + " dB";
      root.dataset.index = index; root.dataset.level = level;
      root.dataset.psnrNoisy = now.noisy; root.dataset.psnrDenoised = now.denoised;
      drawChart(level, now);
    }
    function pick(i) {
      index = i;
      curve = { noisy: [], denoised: [] };
      levels.forEach(function (v) {
        var xy = inputs(i, v);
        curve.noisy.push(psnr(xy[0], xy[1])); curve.denoised.push(psnr(xy[0], run(xy[1])));
      });
      picks.forEach(function (b, j) { b.style.borderColor = j === i ? "#1f77b4" : "#ccc"; });
      show();
    }
    picks.forEach(function (b, j) {
      paint(b.querySelector("canvas"), inputs(j, 0)[0]);
      b.addEventListener("click", function () { pick(j); });
    });
    slider.addEventListener("input", show);
    watchSize(chart, function () { if (curve) show(); });
    pick(0);
  }
  function start(root) {
    var data = JSON.parse(root.querySelector("script.cp-data").textContent);
    root.querySelector(".cp-noscript").style.display = "none";
    if (data.kind === "pad") pad(root, data); else denoise(root, data);
    root.dataset.ready = "true";
  }
  var root = (me && me.closest ? me.closest(".cp-living") : null) || document.getElementById(id);
  if (root) start(root);
})("__ID__");
