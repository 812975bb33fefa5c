/**
 * /docs: a self-contained page (no CDN, works offline) that renders /openapi.json: every operation grouped by
 * tag, with its parameters, request body and response schemas, and a search box.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>edge-kyc API</title>
<style>
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa;--get:#0969da;--post:#1a7f37;--put:#9a6700;--patch:#8250df;--delete:#cf222e}
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;color:var(--fg);margin:0}
header{padding:20px 32px;border-bottom:1px solid var(--line);display:flex;gap:24px;align-items:center;flex-wrap:wrap}
header h1{font-size:22px;margin:0}header input{flex:1;min-width:200px;padding:8px 12px;border:1px solid var(--line);border-radius:6px;font:inherit}
main{padding:16px 32px;max-width:1100px}h2{margin-top:32px;border-bottom:1px solid var(--line);padding-bottom:4px}
details{border:1px solid var(--line);border-radius:6px;margin:8px 0}summary{cursor:pointer;padding:8px 12px;display:flex;gap:12px;align-items:center}
.m{font:600 12px ui-monospace,monospace;color:#fff;border-radius:4px;padding:2px 8px;min-width:52px;text-align:center;text-transform:uppercase}
.get{background:var(--get)}.post{background:var(--post)}.put{background:var(--put)}.patch{background:var(--patch)}.delete{background:var(--delete)}
code,pre{font:13px ui-monospace,SFMono-Regular,monospace}pre{background:var(--bg);padding:12px;border-radius:6px;overflow:auto}
.body{padding:4px 16px 12px}.muted{color:var(--muted)}table{border-collapse:collapse}td,th{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
</style></head>
<body><header><h1>edge-kyc API</h1><span class="muted" id="ver"></span><input id="q" placeholder="Filter operations (path, summary, tag)"><a href="/openapi.json">openapi.json</a></header>
<main id="out"><p class="muted">Loading /openapi.json…</p></main>
<script>
const esc=s=>String(s??"").replace(/[&<>"]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
let spec;
function resolve(s){let n=0;while(s&&s.$ref&&n++<20){s=s.$ref.split("/").slice(1).reduce((o,k)=>o&&o[k],spec)}return s}
function render(filter){
  const groups={};
  for(const [path,ops] of Object.entries(spec.paths||{}))for(const [method,op] of Object.entries(ops)){
    if(!["get","post","put","patch","delete"].includes(method))continue;
    const hay=(path+" "+(op.summary||"")+" "+(op.tags||[]).join(" ")).toLowerCase();
    if(filter&&!hay.includes(filter.toLowerCase()))continue;
    (groups[(op.tags||["Other"])[0]]??=[]).push({path,method,op});
  }
  let html="";
  for(const [tag,ops] of Object.entries(groups)){
    html+="<h2>"+esc(tag)+"</h2>";
    for(const {path,method,op} of ops){
      html+='<details><summary><span class="m '+method+'">'+method+"</span><code>"+esc(path)+"</code><span>"+esc(op.summary)+"</span></summary><div class=body>";
      if(op.description)html+="<p>"+esc(op.description)+"</p>";
      if(op.security)html+='<p class=muted>Auth: '+esc(op.security.map(s=>Object.keys(s).join("+")).join(" or "))+"</p>";
      const params=(op.parameters||[]).map(resolve);
      if(params.length)html+="<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>"+params.map(p=>"<tr><td><code>"+esc(p.name)+"</code></td><td>"+esc(p.in)+"</td><td>"+(p.required?"yes":"no")+"</td><td><code>"+esc(JSON.stringify(p.schema))+"</code></td></tr>").join("")+"</table>";
      const body=resolve(op.requestBody);
      if(body)for(const [ct,m] of Object.entries(body.content||{}))html+="<p><b>Request body</b> <code>"+esc(ct)+"</code></p><pre>"+esc(JSON.stringify(resolve(m.schema),null,2))+"</pre>";
      for(const [code,r0] of Object.entries(op.responses||{})){const r=resolve(r0);html+="<p><b>"+esc(code)+"</b> "+esc(r.description)+"</p>";
        for(const m of Object.values(r.content||{}))html+="<pre>"+esc(JSON.stringify(resolve(m.schema),null,2))+"</pre>";}
      html+="</div></details>";
    }
  }
  document.getElementById("out").innerHTML=html||"<p class=muted>No operation matches.</p>";
}
fetch("/openapi.json").then(r=>r.json()).then(s=>{spec=s;document.getElementById("ver").textContent=(s.info&&s.info.version)?"v"+s.info.version:"";render("")})
  .catch(e=>{document.getElementById("out").textContent="Could not load /openapi.json: "+e});
document.getElementById("q").addEventListener("input",e=>render(e.target.value));
</script></body></html>`;
