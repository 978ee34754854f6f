console.log("fleetwatch", process.argv.slice(2));
