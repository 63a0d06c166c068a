export { buildUsersApp } from './app.ts';
export { loadUsersConfig, type UsersConfig } from './config.ts';
export { createUsersDeps, type UsersDeps } from './deps.ts';
