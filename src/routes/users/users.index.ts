/** The tenant-user routes: contracts joined to their handlers. */
import { createRouter } from "../../app/create-app";
import { createUserHandler, deleteUserHandler, listUsersHandler, updateUserHandler } from "./users.handlers";
import { createUserRoute, deleteUserRoute, listUsersRoute, updateUserRoute } from "./users.routes";

export const usersRouter = createRouter()
  .openapi(listUsersRoute, listUsersHandler)
  .openapi(createUserRoute, createUserHandler)
  .openapi(updateUserRoute, updateUserHandler)
  .openapi(deleteUserRoute, deleteUserHandler);
