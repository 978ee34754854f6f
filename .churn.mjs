import v8 from "node:v8";
if (process.argv[2] === "runtime") v8.setFlagsFromString("--max-semi-space-size=1");
let keep = [];
const t = setInterval(() => { for (let i = 0; i < 20000; i++) keep.push({ a: i, b: "x".repeat(20) }); keep = []; }, 20);
setTimeout(() => { clearInterval(t); console.log(process.argv[2] ?? "none", process.execArgv.join(" "), (process.memoryUsage().rss / 2 ** 20).toFixed(1), "MB", JSON.stringify(v8.getHeapSpaceStatistics().filter(s => s.space_name === "new_space").map(s => (s.space_size / 2 ** 20).toFixed(1)))); }, 4000);
