/* SPDX-License-Identifier: MIT */
#ifndef NETFRONT_CMDS_H
#define NETFRONT_CMDS_H

/* Runs one script line; prints its result line; 0, or -1 to stop. */
int cmd_run(char *line);

#endif
