/**
 * The referrer page's stylesheet and its one script, served from our origin: the CSP allows
 * scripts from 'self' only and no inline ones, so the copy button's few lines live in a file.
 */
export const REFERRER_PAGE_CSS = `.lede{color:#4a5064}
.link{display:flex;gap:8px;margin:6px 0 12px}.link input{flex:1;min-width:0;padding:10px 12px;border:1px solid #cfd3de;border-radius:8px;font:inherit;background:#f9fafc}
.link button{margin:0;width:auto;padding:10px 14px}
.share{display:flex;gap:8px;flex-wrap:wrap;margin:0 0 18px}.share a{flex:1;text-align:center;padding:10px;border:1px solid #4f46e5;border-radius:8px;color:#4f46e5;text-decoration:none;font-weight:600;min-width:110px}
.qr{width:180px;margin:0 auto 8px}.qr svg{width:100%;height:auto;display:block}.qr-caption{text-align:center;font-size:14px}
.stats{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;margin:0 0 18px}.stats div{background:#f5f6fa;border-radius:10px;padding:10px;text-align:center}
.stats strong{display:block;font-size:22px}.stats span{font-size:13px;color:#4a5064}
h2{font-size:17px;margin:22px 0 8px}ul.rewards{list-style:none;padding:0;margin:0}ul.rewards li{display:flex;justify-content:space-between;gap:8px;padding:8px 0;border-top:1px solid #eceef4;font-size:15px}
ul.rewards .status{color:#4a5064;text-align:right}
table{width:100%;border-collapse:collapse;margin-top:8px}caption{text-align:left;color:#4a5064;font-size:14px;padding-bottom:6px}
th,td{text-align:left;padding:8px 6px;border-top:1px solid #eceef4}th.num,td.num{text-align:right}
.tabs{margin:0 0 12px;font-size:15px}.tabs a{color:#4f46e5}
.rating button{margin-top:10px}.rating button.chosen{outline:3px solid #a5b4fc;outline-offset:2px}
`;

export const REFERRER_PAGE_JS = `document.addEventListener('click', function (event) {
  var button = event.target.closest('[data-copy]');
  if (!button) return;
  var field = document.getElementById(button.getAttribute('data-copy'));
  if (!field) return;
  var done = function () { button.textContent = 'Copied'; setTimeout(function () { button.textContent = 'Copy'; }, 2000); };
  if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
  else { field.select(); document.execCommand('copy'); done(); }
});
`;
