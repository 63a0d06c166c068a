export { buildUsersApp } from './app.ts';
export { usersEnv, loadUsersConfig, type UsersConfig } from './config.ts';
export { createUsersDeps, USERS_MIGRATIONS, type UsersDeps } from './deps.ts';
export type { AdminChange } from './accounts/admins.ts';
