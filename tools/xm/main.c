// SPDX-License-Identifier: MIT
/*
 * xenner-xm (also installed as xm): Xen's xm for xenner.  Dispatches the
 * subcommands, each in its own file.
 */
#include <stdio.h>
#include <string.h>

#include "xenner/log.h"
#include "xm.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{"create", cmd_create,
	 "[-c] [-F] [-n] CONFIG [key=value ...]  start a domain"},
	{"list", cmd_list, "[-l] [NAME|ID ...]   list domains"},
	{"console", cmd_console,
	 "NAME|ID            attach to its console "
	 "(Ctrl-] detaches)"},
	{"shutdown", cmd_shutdown, "[-w] [-a] NAME|ID ask it to power off"},
	{"reboot", cmd_reboot, "[-w] [-a] NAME|ID   ask it to reboot"},
	{"destroy", cmd_destroy, "NAME|ID            end it at once"},
	{"pause", cmd_pause, "NAME|ID              stop its vCPUs"},
	{"unpause", cmd_unpause, "NAME|ID            resume its vCPUs"},
	{"save", cmd_save,
	 "[-c] [-t SECS] NAME|ID FILE  suspend it into FILE (-c: keep it "
	 "running)"},
	{"restore", cmd_restore, "FILE               start a saved domain"},
	{"migrate", cmd_migrate,
	 "[-l] [-b MIB/S] [-s SSH] [-t SECS] NAME|ID HOST  move it to HOST "
	 "(-l: live; -b: bound while it runs)"},
	{"migrate-receive", cmd_migrate_receive,
	 "                the other end of migrate (stdin/stdout)"},
	{"info", cmd_info, "                      host information"},
	{"vcpu-list", cmd_vcpu_list,
	 "[NAME|ID]        vCPUs and their "
	 "host threads"},
	{"block-list", cmd_block_list, "NAME|ID         virtual disks"},
	{"network-list", cmd_network_list,
	 "NAME|ID       virtual network "
	 "interfaces"},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s SUBCOMMAND [args]\n"
		"Xen's xm for xenner domains (run directory "
		"$XENNER_RUNDIR, default /run/xenner).\n\n",
		XM_PROG);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
		fprintf(out, "  %-12s %s\n", cmds[i].name, cmds[i].help);
}

int main(int argc, char **argv)
{
	log_init(XM_PROG, XLOG_WARN, false);
	if (argc < 2) {
		usage(stderr);
		return XM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		usage(stdout);
		return XM_EXIT_OK;
	}
	xm_setup_env();
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "%s: unknown subcommand '%s'\n", XM_PROG, argv[1]);
	usage(stderr);
	return XM_EXIT_USAGE;
}
