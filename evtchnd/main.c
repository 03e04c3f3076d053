// SPDX-License-Identifier: MIT
/* evtchnd: the event-channel switch.  Arguments and the main loop only. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "xenner/daemon.h"
#include "xenner/rundir.h"
#include "evtchnd.h"

int main(int argc, char **argv)
{
	static const struct daemon_args args = {0};
	struct daemon d = {.prog = "evtchnd"};
	struct event_base *base;
	int lfd, port, ret;
	char sock[108];

	daemon_init(&d, argc, argv, &args);
	if ((ret = rundir_ensure()))
		die("run directory %s: %s", rundir_get(), strerror(-ret));
	if (rundir_file(sock, sizeof(sock), EVTCHND_SOCK_NAME))
		die("run directory path too long: %s", rundir_get());
	lfd = setup_listen(sock);
	if (lfd == -EADDRINUSE)
		die("another evtchnd is running on %s", sock);
	if (lfd < 0)
		die("cannot listen on %s: %s", sock, strerror(-lfd));
	/* The parent returns once the socket accepts connections. */
	daemon_background(&d);

	if (domains_init())
		die("out of memory");
	/* evtchnd plays dom0's kernel for xenstored's own ring. */
	port = ports_alloc_unbound(&domain_get(0)->ports, 0, NULL);
	if (port < 0 || (ret = setup_xsd_files(port)))
		goto err_setup;

	base = event_base_new();
	if (!base || conn_listen(base, lfd))
		die("cannot set up the event loop");
	log_info("listening on %s, xenstored port %d", sock, port);
	daemon_ready(&d, base, "shutting down");
	event_base_dispatch(base);

	conn_close_all();
	domains_fini();
	daemon_exit(&d);
	event_base_free(base);
	close(lfd);
	setup_cleanup();
	return 0;

err_setup:
	setup_cleanup();
	die("cannot write files in %s: %s", rundir_get(),
	    strerror(port < 0 ? -port : -ret));
}
