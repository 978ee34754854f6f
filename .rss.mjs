for (const m of process.argv.slice(2)) await import(m);
setTimeout(() => { globalThis.gc?.(); setTimeout(() => console.log(process.argv.slice(2).join("+") || "none", (process.memoryUsage().rss / 2 ** 20).toFixed(1), "MB heap", (process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)), 500); }, 1500);
