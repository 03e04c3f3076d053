// SPDX-License-Identifier: MIT
/*
 * The xm configuration parser (tools/xm/xmcfg.c) and the meaning of its
 * keys (tools/xm/xmdom.c): files Xen users write, mistakes they make,
 * and hostile files (huge lines, NULs, unterminated strings, deep lists).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xmcfg.h"
#include "xmdom.h"

static char err[1024];

static int parse(struct xmcfg *c, const char *text)
{
	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	return xmcfg_parse(c, "t.cfg", text, strlen(text), err, sizeof(err));
}

/* Parses and interprets; returns 0 or -1 with err set. */
static int dom(const char *text, struct xm_domcfg *d)
{
	struct xmcfg c;
	int rc = parse(&c, text);

	if (!rc)
		rc = xmdom_from_cfg(&c, d, err, sizeof(err));
	xmcfg_free(&c);
	return rc;
}

static void expect_error(const char *text, const char *what)
{
	static struct xm_domcfg d;

	assert_int_equal(dom(text, &d), -1);
	if (!strstr(err, what))
		fail_msg("error '%s' lacks '%s'", err, what);
}

static void test_sample(void **state)
{
	static struct xm_domcfg d;
	static const char cfg[] =
		"# the issue's sample\n"
		"kernel = '/boot/vmlinuz'\n"
		"ramdisk = \"/boot/initrd.img\"\n"
		"memory = 256\n"
		"vcpus = 2\n"
		"name = 'debian'  # trailing comment\n"
		"disk = [ 'file:/srv/debian.img,xvda,w',\n"
		"         'phy:vg0/data,sda1,r',   # second disk\n"
		"         'tap:aio:/srv/x.img,xvdc,w!',\n"
		"]\n"
		"root = '/dev/xvda ro'\n"
		"extra = 'console=hvc0'\n"
		"on_poweroff = 'destroy'\n"
		"on_reboot = 'restart'\n"
		"on_crash = 'preserve'\n"
		"uuid = '12345678-9abc-def0-1234-56789abcdef0'\n";

	(void)state;
	assert_int_equal(dom(cfg, &d), 0);
	assert_string_equal(d.name, "debian");
	assert_string_equal(d.kernel, "/boot/vmlinuz");
	assert_string_equal(d.ramdisk, "/boot/initrd.img");
	assert_string_equal(d.cmdline, "root=/dev/xvda ro console=hvc0");
	assert_int_equal(d.memory, 256);
	assert_int_equal(d.vcpus, 2);
	assert_int_equal(d.nr_disks, 3);
	assert_string_equal(d.disks[0].path, "/srv/debian.img");
	assert_string_equal(d.disks[0].vdev, "xvda");
	assert_false(d.disks[0].ro);
	assert_string_equal(d.disks[1].path, "/dev/vg0/data");
	assert_string_equal(d.disks[1].vdev, "sda1");
	assert_true(d.disks[1].ro);
	assert_string_equal(d.disks[2].path, "/srv/x.img");
	assert_int_equal(d.on_poweroff, XM_DESTROY);
	assert_int_equal(d.on_reboot, XM_RESTART);
	assert_int_equal(d.on_crash, XM_PRESERVE);
	assert_true(d.has_uuid);
	assert_int_equal(d.uuid[0], 0x12);
	assert_int_equal(d.uuid[15], 0xf0);
}

static void test_syntax_variants(void **state)
{
	static struct xm_domcfg d;
	struct xmcfg c;

	(void)state;
	/* defaults, escapes, string numbers, later keys win, True, ; */
	assert_int_equal(dom("name='a'\nkernel='/k'\nmemory='64';\n"
			     "cmdline = 'x=\\'y\\' \\\\ \\t'\n"
			     "vcpus = 1\nvcpus = 0x3\n",
			     &d),
			 0);
	assert_int_equal(d.memory, 64);
	assert_int_equal(d.vcpus, 3);
	assert_string_equal(d.cmdline, "x='y' \\ \t");
	assert_int_equal(d.on_reboot, XM_RESTART); /* xm's default */
	assert_int_equal(parse(&c, "a = True\nb=False\r\nc = -5 \\\n\n"), 0);
	assert_int_equal(xmcfg_get(&c, "a")->v.num, 1);
	assert_int_equal(xmcfg_get(&c, "b")->v.num, 0);
	assert_int_equal(xmcfg_get(&c, "c")->v.num, -5);
	assert_null(xmcfg_get(&c, "d"));
	/* command-line overrides are parsed into the same config */
	assert_int_equal(
		xmcfg_parse(&c, "command line", "a=7", 3, err, sizeof(err)), 0);
	assert_int_equal(xmcfg_get(&c, "a")->v.num, 7);
	assert_string_equal(xmcfg_get(&c, "a")->file, "command line");
	xmcfg_free(&c);
	assert_int_equal(parse(&c, ""), 0);
	assert_int_equal(c.nr_entries, 0);
	xmcfg_free(&c);
	assert_int_equal(parse(&c, "# only\n\n   # comments\n"), 0);
	xmcfg_free(&c);
	assert_int_equal(parse(&c, "l = []\nm = [ 1, 'two' ]"), 0);
	assert_int_equal(xmcfg_get(&c, "l")->v.nr_items, 0);
	assert_int_equal(xmcfg_get(&c, "m")->v.nr_items, 2);
	xmcfg_free(&c);
}

static void test_syntax_errors(void **state)
{
	struct xmcfg c;
	static const struct {
		const char *text, *what;
	} cases[] = {
		{"name = 'x\n", "t.cfg:1: unterminated string"},
		{"a = 1\nname = \"x", "t.cfg:2: unterminated string"},
		{"name 'x'\n", "expected '='"},
		{"= 3\n", "expected a setting name"},
		{"a = \n", "value missing"},
		{"a = ", "value missing"},
		{"a = [ 'x', \n 'y'\n", "t.cfg:1: list not closed"},
		{"a = [ [ 'x' ] ]\n", "lists inside lists"},
		{"a = [ 'x' 'y' ]\n", "expected ',' or ']'"},
		{"a = foo\n", "'foo' is not a value"},
		{"a = 1 2\n", "unexpected '2'"},
		{"a = 08\n", "bad number"},
		{"a = 99999999999999999999\n", "bad number"},
		{"a = '''x'''\n", "triple-quoted"},
		{"a = {}\n", "unexpected '{'"},
		{"a = 1\n\n\n$b = 2\n", "t.cfg:4: expected a setting name"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(parse(&c, cases[i].text), -1);
		if (!strstr(err, cases[i].what))
			fail_msg("'%s': error '%s' lacks '%s'", cases[i].text,
				 err, cases[i].what);
		xmcfg_free(&c);
	}
}

static void test_meaning_errors(void **state)
{
	(void)state;
	expect_error("name='a'\nkernel='/k'\nmemroy = 64\n",
		     "t.cfg:3: memroy: unknown setting");
	expect_error("name='a'\nkernel='/k'\npci = ['01:00.0']\n",
		     "pci: not supported by xenner (PCI passthrough");
	expect_error("name='a'\nkernel='/k'\nvfb = ['vnc=1']\n",
		     "vfb: vncdisplay=N is needed");
	expect_error("name='a'\nbootloader='pygrub'\n",
		     "bootloader: needs a disk");
	expect_error("name='a'\nkernel='/k'\nbootloader_args=['-q']\n",
		     "bootloader_args: given without bootloader");
	expect_error("name='a'\nbootloader='pygrub'\nbootloader_args=5\n"
		     "disk=['file:/x,xvda,w']\n",
		     "wants a list");
	expect_error("kernel='/k'\n", "no name");
	expect_error("name='a'\n", "no kernel");
	expect_error("name='a'\nkernel='/k'\nmemory = 8\n", "outside");
	expect_error("name='a'\nkernel='/k'\nmemory = 'lots'\n",
		     "not a number");
	expect_error("name='a'\nkernel='/k'\nvcpus = 33\n", "outside");
	expect_error("name='a'\nkernel='/k'\nmemory=64\nmaxmem=128\n",
		     "cannot balloon");
	expect_error("name='a'\nkernel=5\n", "wants a string");
	expect_error("name='a b'\nkernel='/k'\n", "use letters");
	expect_error("name='42'\nkernel='/k'\n", "cannot be a domain name");
	expect_error("name='Domain-0'\nkernel='/k'\n", "cannot be");
	expect_error("name='a'\nkernel='/k'\non_crash='coredump-restart'\n",
		     "not supported");
	expect_error("name='a'\nkernel='/k'\non_reboot='again'\n",
		     "not destroy, restart or preserve");
	expect_error("name='a'\nkernel='/k'\nbuilder='hvm'\n", "PV guests");
	expect_error("name='a'\nkernel='/k'\ntype='hvm'\n", "PV guests");
	expect_error("name='a'\nkernel='/k'\nuuid='123'\n", "not a UUID");
	expect_error("name='a'\nkernel='/k'\ncmdline='x'\nextra='y'\n",
		     "either cmdline");
	expect_error("name='a'\nkernel='/k'\ndisk='file:/x,xvda,w'\n",
		     "wants a list");
	expect_error("name='a'\nkernel='/k'\ndisk=['/x,xvda,w']\n",
		     "needs phy:, file:, tap:aio:, tap:qcow2: or qdisk:");
	expect_error("name='a'\nkernel='/k'\ndisk=['file:/x,xvda']\n",
		     "TARGET,DEVICE,MODE");
	expect_error("name='a'\nkernel='/k'\ndisk=['file:/x,floppy,w']\n",
		     "not a disk name");
	expect_error("name='a'\nkernel='/k'\ndisk=['file:/x,xvda,x']\n",
		     "mode 'x'");
	expect_error("name='a'\nkernel='/k'\ndisk=['tap:sync:/x,xvda,w']\n",
		     "tap: images are aio (raw), qcow, qcow2, vhd or vmdk");
	expect_error("name='a'\nkernel='/k'\ndisk=['file:/x,hdc:cdrom,r']\n",
		     "CD-ROMs");
	expect_error("name='a'\nkernel='/k'\n"
		     "disk=['file:/x,xvda,w','file:/y,xvda,w']\n",
		     "xvda given twice");
	expect_error("name='a'\nkernel='/k'\ndisk=[1]\n", "not a string");
	expect_error("name='a'\nkernel='/k'\nvif=['mac=zz']\n",
		     "not a unicast MAC");
	expect_error("name='a'\nkernel='/k'\nvif=['mac=01:00:00:00:00:01']\n",
		     "not a unicast MAC");
	expect_error("name='a'\nkernel='/k'\nvif=['script=vif-nat']\n",
		     "'script' is not supported");
}

/* xl's two spellings of bootloader_args, and no kernel needed with it */
static void test_bootloader(void **state)
{
	static struct xm_domcfg d;

	(void)state;
	assert_int_equal(dom("name='a'\nbootloader='pygrub'\n"
			     "disk=['file:/x,xvda,w']\n",
			     &d),
			 0);
	assert_string_equal(d.bootloader, "pygrub");
	assert_string_equal(d.kernel, "");
	assert_int_equal(d.nr_bootloader_args, 0);
	assert_int_equal(dom("name='a'\nbootloader='pygrub'\n"
			     "bootloader_args=['--entry=1', 'xvdb']\n"
			     "kernel='/boot/vmlinuz'\n"
			     "disk=['file:/x,xvda,w']\n",
			     &d),
			 0);
	assert_int_equal(d.nr_bootloader_args, 2);
	assert_string_equal(d.bootloader_args[0], "--entry=1");
	assert_string_equal(d.bootloader_args[1], "xvdb");
	assert_string_equal(d.kernel, "/boot/vmlinuz");
	memset(&d, 0, sizeof(d));
	assert_int_equal(dom("name='a'\nbootloader='pygrub'\n"
			     "bootloader_args='  --entry=1\t-q '\n"
			     "disk=['file:/x,xvda,w']\n",
			     &d),
			 0);
	assert_int_equal(d.nr_bootloader_args, 2);
	assert_string_equal(d.bootloader_args[0], "--entry=1");
	assert_string_equal(d.bootloader_args[1], "-q");
}

static void test_vif(void **state)
{
	static struct xm_domcfg d;

	(void)state;
	assert_int_equal(dom("name='a'\nkernel='/k'\nvif = [ 'mac=00:16:3e:"
			     "00:00:01, bridge=xenbr0', '' ]\n",
			     &d),
			 0);
	assert_int_equal(d.nr_vifs, 2);
	assert_string_equal(d.vifs[0].mac, "00:16:3e:00:00:01");
	assert_string_equal(d.vifs[0].bridge, "xenbr0");
	assert_string_equal(d.vifs[1].mac, "");
}

static void test_disk_formats(void **state)
{
	static struct xm_domcfg d;
	static const struct {
		const char *spec, *path, *vdev, *format;
		bool qdisk, ro;
	} cases[] = {
		{"tap:qcow2:/i.qcow2,xvda,w", "/i.qcow2", "xvda", "qcow2", true,
		 false},
		{"tap2:qcow2:/i,xvdb,r", "/i", "xvdb", "qcow2", true, true},
		{"tap:vhd:/v.vhd,xvda,w", "/v.vhd", "xvda", "vhd", true, false},
		{"qcow2:/i,xvda,w", "/i", "xvda", "qcow2", true, false},
		{"qdisk:/raw.img,xvda,w", "/raw.img", "xvda", "raw", true,
		 false},
		{"tap:aio:/raw.img,xvda,w", "/raw.img", "xvda", "raw", false,
		 false},
		{"phy:vg/lv,xvda,r", "/dev/vg/lv", "xvda", "raw", false, true},
		/* xl's key=value form; target= comes last, commas and all */
		{"format=qcow2, vdev=xvda, target=/i.qcow2", "/i.qcow2", "xvda",
		 "qcow2", true, false},
		{"vdev=xvdc,access=ro,format=raw,target=/r.img", "/r.img",
		 "xvdc", "raw", false, true},
		{"vdev=xvda, backendtype=qdisk, target=/r.img", "/r.img",
		 "xvda", "raw", true, false},
		{"format=vhd,vdev=xvda,devtype=disk,access=w,target=/v", "/v",
		 "xvda", "vhd", true, false},
	};
	char cfg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(cfg, sizeof(cfg),
			 "name='a'\nkernel='/k'\n"
			 "disk = [ '%s' ]\n",
			 cases[i].spec);
		if (dom(cfg, &d))
			fail_msg("'%s': %s", cases[i].spec, err);
		assert_int_equal(d.nr_disks, 1);
		assert_string_equal(d.disks[0].path, cases[i].path);
		assert_string_equal(d.disks[0].vdev, cases[i].vdev);
		assert_string_equal(d.disks[0].format, cases[i].format);
		assert_int_equal(d.disks[0].qdisk, cases[i].qdisk);
		assert_int_equal(d.disks[0].ro, cases[i].ro);
	}
	expect_error("name='a'\nkernel='/k'\n"
		     "disk=['format=qcow3,vdev=xvda,target=/x']\n",
		     "format 'qcow3' is not raw, qcow, qcow2");
	expect_error("name='a'\nkernel='/k'\ndisk=['vdev=xvda']\n",
		     "no target=PATH");
	expect_error("name='a'\nkernel='/k'\ndisk=['target=/x']\n",
		     "no vdev=NAME");
	expect_error("name='a'\nkernel='/k'\n"
		     "disk=['vdev=xvda,script=block-iscsi,target=/x']\n",
		     "disk setting 'script' is not supported");
	expect_error("name='a'\nkernel='/k'\n"
		     "disk=['format=qcow2,vdev=xvda,backendtype=phy,target=/x']"
		     "\n",
		     "backendtype phy serves raw images only");
	expect_error("name='a'\nkernel='/k'\n"
		     "disk=['vdev=xvda,devtype=cdrom,target=/x']\n",
		     "CD-ROMs");
	expect_error("name='a'\nkernel='/k'\n"
		     "disk=['vdev=xvda,/x,target=/y']\n",
		     "write every setting as key=value");
	expect_error("name='a'\nkernel='/k'\n"
		     "disk=['vdev=xvda,target=/x,y.img']\n",
		     "cannot take a path with ','");
}

static void test_vfb(void **state)
{
	static struct xm_domcfg d;

	(void)state;
	assert_int_equal(dom("name='a'\nkernel='/k'\n", &d), 0);
	assert_false(d.vfb.enabled);
	assert_int_equal(dom("name='a'\nkernel='/k'\nvfb = [ 'vnc=1, "
			     "vnclisten=127.0.0.1, vncdisplay=3' ]\n",
			     &d),
			 0);
	assert_true(d.vfb.enabled);
	assert_int_equal(d.vfb.display, 3);
	assert_string_equal(d.vfb.listen, "127.0.0.1");
	/* xm's type=vnc; xl's vnclisten=ADDR:DISPLAY; SDL leftovers */
	assert_int_equal(dom("name='a'\nkernel='/k'\nvfb = [ 'type=vnc,"
			     "vnclisten=0.0.0.0:7,vncunused=0,sdl=0,"
			     "display=:0,xauthority=/x,vncpasswd=' ]\n",
			     &d),
			 0);
	assert_int_equal(d.vfb.display, 7);
	assert_string_equal(d.vfb.listen, "0.0.0.0");
	assert_int_equal(dom("name='a'\nkernel='/k'\nvfb = [ 'vnc=1,"
			     "vncdisplay=0,vnclisten=::1' ]\n",
			     &d),
			 0);
	assert_string_equal(d.vfb.listen, "::1");
	assert_int_equal(d.vfb.display, 0);
	assert_int_equal(dom("name='a'\nkernel='/k'\nvfb = []\n", &d), 0);
	assert_false(d.vfb.enabled);
	expect_error("name='a'\nkernel='/k'\nvfb = ['sdl=1,vncdisplay=1']\n",
		     "sdl=1: only VNC");
	expect_error("name='a'\nkernel='/k'\nvfb = ['vncdisplay=1']\n",
		     "only VNC is supported: add vnc=1");
	expect_error("name='a'\nkernel='/k'\nvfb = ['type=sdl']\n",
		     "type 'sdl': only VNC");
	expect_error("name='a'\nkernel='/k'\n"
		     "vfb = ['vnc=1,vncunused=1,vncdisplay=1']\n",
		     "cannot pick a free display");
	expect_error("name='a'\nkernel='/k'\n"
		     "vfb = ['vnc=1,vncdisplay=99999']\n",
		     "not a display number");
	expect_error("name='a'\nkernel='/k'\n"
		     "vfb = ['vnc=1,vncdisplay=1,vnclisten=a b']\n",
		     "not a host name");
	expect_error("name='a'\nkernel='/k'\n"
		     "vfb = ['vnc=1,vncdisplay=1,vncpasswd=x']\n",
		     "no VNC passwords");
	expect_error("name='a'\nkernel='/k'\n"
		     "vfb = ['vnc=1,vncdisplay=1,keymap=de']\n",
		     "vfb setting 'keymap' is not supported");
	expect_error("name='a'\nkernel='/k'\n"
		     "vfb = ['vnc=1,vncdisplay=1','vnc=1,vncdisplay=2']\n",
		     "at most 1 entries");
	expect_error("name='a'\nkernel='/k'\nvnc = 1\n",
		     "vnc: not supported by xenner (an HVM setting; a PV "
		     "guest's display is vfb");
	expect_error("name='a'\nkernel='/k'\nvncdisplay = 1\n",
		     "vfb = [ 'vnc=1, vncdisplay=N' ]");
}

static void test_hostile(void **state)
{
	struct xmcfg c = {0};
	size_t big = 2 * XMCFG_MAX_FILE, n;
	char *buf = malloc(big + 64);

	(void)state;
	assert_non_null(buf);
	/* NUL bytes: refused with the line they are on */
	assert_int_equal(xmcfg_parse(&c, "t.cfg", "a = 1\nb = '\0'\n", 13, err,
				     sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "t.cfg:2: NUL byte"));
	xmcfg_free(&c);
	/* a huge line: one string of a megabyte */
	n = snprintf(buf, 64, "a = '");
	memset(buf + n, 'x', XMCFG_MAX_FILE - 16);
	n += XMCFG_MAX_FILE - 16;
	memcpy(buf + n, "'\n", 2);
	assert_int_equal(parse(&c, ""), 0);
	assert_int_equal(xmcfg_parse(&c, "t.cfg", buf, n + 2, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "string longer than"));
	xmcfg_free(&c);
	/* a huge file */
	memset(buf, '\n', big);
	assert_int_equal(xmcfg_parse(&c, "t.cfg", buf, big, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "larger than"));
	xmcfg_free(&c);
	/* deep lists: refused at the second bracket, no recursion */
	n = snprintf(buf, 64, "a = ");
	memset(buf + n, '[', 100000);
	assert_int_equal(parse(&c, ""), 0);
	assert_int_equal(
		xmcfg_parse(&c, "t.cfg", buf, n + 100000, err, sizeof(err)),
		-1);
	assert_non_null(strstr(err, "lists inside lists"));
	xmcfg_free(&c);
	/* long lists, long names, many keys */
	n = snprintf(buf, 64, "a = [");
	for (int i = 0; i < 100; i++)
		n += snprintf(buf + n, 16, "%d,", i);
	buf[n++] = ']';
	assert_int_equal(xmcfg_parse(&c, "t.cfg", buf, n, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "more than 64 items"));
	xmcfg_free(&c);
	memset(buf, 'k', 200);
	memcpy(buf + 200, "=1\n", 3);
	assert_int_equal(xmcfg_parse(&c, "t.cfg", buf, 203, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "name longer"));
	xmcfg_free(&c);
	n = 0;
	for (int i = 0; i < 300; i++)
		n += snprintf(buf + n, 32, "k%d = %d\n", i, i);
	assert_int_equal(xmcfg_parse(&c, "t.cfg", buf, n, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "more than 256 settings"));
	xmcfg_free(&c);
	/* binary junk never crashes */
	srand(1);
	for (int round = 0; round < 2000; round++) {
		size_t len = rand() % 200;

		for (size_t i = 0; i < len; i++) {
			static const char alphabet[] = "ab=[]'\"#\\\n ,0x19-";

			buf[i] = round % 2 ? (char)rand()
					   : alphabet[rand() %
						      (sizeof(alphabet) - 1)];
		}
		memset(&c, 0, sizeof(c));
		xmcfg_parse(&c, "junk", buf, len, err, sizeof(err));
		xmcfg_free(&c);
	}
	free(buf);
}

static void test_missing_file(void **state)
{
	struct xmcfg c = {0};

	(void)state;
	assert_int_equal(xmcfg_load(&c, "/nonexistent/x.cfg", err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "/nonexistent/x.cfg"));
	assert_int_equal(xmcfg_load(&c, "/dev/null", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_syntax_variants),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_meaning_errors),
		cmocka_unit_test(test_bootloader),
		cmocka_unit_test(test_vif),
		cmocka_unit_test(test_disk_formats),
		cmocka_unit_test(test_vfb),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
