import { configFromEnv, createApp } from './app.js';

/** `npm start`: the example on PORT (4000), configured from the environment (README.md, "Examples"). */
const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? '127.0.0.1';
const config = configFromEnv();
createApp(config).listen(port, host, () => {
  console.log(`Example app on http://${host}:${port}, signing in with Gatehouse at ${config.apiUrl}`);
});
