import { mount } from 'svelte';
import App from './App.svelte';
import { startPerfProbe } from './lib/perf.js';
import './theme.css';

startPerfProbe();
mount(App, { target: document.getElementById('app')! });
