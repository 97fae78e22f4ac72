import { render } from 'preact';
import { api } from './api';
import { App } from './App';
import { loadConfig, setConfig } from './config';
import { initSession } from './session';
import './styles.css';

async function start(): Promise<void> {
  const config = await loadConfig();
  setConfig(config);
  api.configure({ baseUrl: config.apiBase });
  document.documentElement.dataset.stage = config.stage;
  const root = document.getElementById('app');
  if (!root) throw new Error('#app is missing from index.html');
  render(<App />, root);
  await initSession();
}

void start();
