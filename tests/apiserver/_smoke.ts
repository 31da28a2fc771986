import { startApiServer } from "../../apiserver/mod.ts";
const s = await startApiServer({});
await s.writeKubeconfig("/tmp/apiserver-eng/kubeconfig");
console.log(s.url);
await new Promise((r) => setTimeout(r, 1e9));
