import { render } from 'preact';
import './styles.css';
import { App } from './app.tsx';
import { takeInvitationFromUrl } from './invitation-link.ts';

takeInvitationFromUrl();
const root = document.getElementById('app');
if (root) render(<App />, root);
