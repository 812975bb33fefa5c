/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The users and roles page (admins): every user of the tenant (never a password hash), a form to add one with an
 * initial password, a role change per row, and removal behind a confirmation page that explains the last-admin rule.
 */
import { ROLES } from "../../types";
import type { Role } from "../../types";
import type { UserRow } from "../../identity/users";
import { CSRF_FIELD } from "../csrf";
import { Field, FieldError, Messages, When, invalidWhen } from "../form-parts";
import type { FieldErrors } from "../form-parts";

export interface UserLine {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: number;
  lastSignIn: number | null;
}

/** The add-user form as the admin typed it (the password is never sent back). */
export interface NewUserForm {
  email: string;
  name: string;
  role: string;
}

export const EMPTY_USER_FORM: NewUserForm = { email: "", name: "", role: "reviewer" };

/** What the table shows of a user row: no hash, no tenant id. */
export const userLine = (u: UserRow, lastSignIn: number | undefined): UserLine => ({ id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt, lastSignIn: lastSignIn ?? null });

const LAST_ADMIN_RULE = "A tenant with other users always keeps at least one admin: make another user admin before demoting or removing the last one.";

function RoleSelect(props: { id: string; value: string; errors?: string[] }) {
  return (
    <select id={props.id} name="role" {...invalidWhen(props.errors, props.id)}>
      {ROLES.map((r) => (
        <option value={r} selected={r === props.value}>
          {r}
        </option>
      ))}
    </select>
  );
}

export function UsersPage(props: { users: UserLine[]; me: string; csrf: string; form: NewUserForm; errors: FieldErrors; notice?: string; error?: string; more: boolean }) {
  const formErrors = Object.keys(props.errors).length > 0;
  return (
    <>
      <h1>Users and roles</h1>
      <Messages notice={props.notice} error={props.error} />
      <p class="hint">{LAST_ADMIN_RULE}</p>
      <table>
        <caption>Users of this tenant</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Created</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => (
            <tr id={`user-${u.id}`}>
              <td>
                {u.email}
                {u.id === props.me ? " (you)" : ""}
              </td>
              <td>{u.name}</td>
              <td>
                <span class="badge">{u.role}</span>
              </td>
              <td>
                <When ms={u.createdAt} />
              </td>
              <td>
                <When ms={u.lastSignIn} />
              </td>
              <td>
                <form method="post" action={`/console/admin/users/${encodeURIComponent(u.id)}/role`} class="inline">
                  <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
                  <label for={`role-${u.id}`} class="visually-hidden">{`Role of ${u.email}`}</label>
                  <RoleSelect id={`role-${u.id}`} value={u.role} />
                  <button type="submit" class="secondary">
                    Change role
                  </button>
                </form>
                <a href={`/console/admin/users/${encodeURIComponent(u.id)}/remove`}>{`Remove ${u.email}…`}</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.more ? <p class="hint">Only the newest users are listed; GET /v1/users pages through all of them.</p> : null}
      <h2 id="add-user">Add a user</h2>
      {formErrors ? (
        <p class="error-box" role="alert">
          The user was not added: correct the fields marked below.
        </p>
      ) : null}
      <FieldError id="new-user" errors={props.errors["(body)"]} />
      <form method="post" action="/console/admin/users" class="stack" novalidate aria-labelledby="add-user">
        <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
        <Field id="email" label="Email" type="email" value={props.form.email} errors={props.errors} autocomplete="off" />
        <Field id="name" label="Name" value={props.form.name} errors={props.errors} autocomplete="off" />
        <div>
          <label for="new-role">Role</label>
          <RoleSelect id="new-role" value={props.form.role} errors={props.errors.role} />
          <FieldError id="new-role" errors={props.errors.role} />
        </div>
        <Field
          id="password"
          label="Initial password"
          type="password"
          errors={props.errors}
          autocomplete="new-password"
          hint="At least 10 characters and not a common password. Hand it over out of band; the user can change it."
        />
        <button type="submit">Add user</button>
      </form>
    </>
  );
}

/** The confirmation step before a user is removed and their personal data erased. */
export function RemoveUserPage(props: { user: UserLine; csrf: string; self: boolean }) {
  return (
    <>
      <h1>Remove a user</h1>
      <p>
        Remove <strong>{props.user.email}</strong> ({props.user.role})? Their account and personal data are erased and their sessions end at once.
        {props.self ? " This is your own account: you will be signed out." : ""}
      </p>
      <p class="hint">{LAST_ADMIN_RULE}</p>
      <form method="post" action={`/console/admin/users/${encodeURIComponent(props.user.id)}/remove`}>
        <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
        <button type="submit" id="confirm-remove">
          Remove this user
        </button>{" "}
        <a href="/console/admin/users">Cancel</a>
      </form>
    </>
  );
}
