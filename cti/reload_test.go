package cti

import (
	"context"
	"testing"
)

// reloadingController is a controller that can re-read its configuration.
type reloadingController struct {
	fakeController
	err error
	n   int
}

func (r *reloadingController) ReloadConfig(ctx context.Context) (any, error) {
	r.n++
	return map[string]string{"config": "/etc/hotline.yaml"}, r.err
}

func TestReloadIsAdminOnly(t *testing.T) {
	ctl := &reloadingController{}
	_, addr := startServer(t, NewBus(16), ctl)
	for _, tok := range []string{"crm-secret", "sup-secret", "a1-secret"} {
		c := dial(t, addr)
		c.login(tok)
		if f, _ := c.cmd("reload", nil); f.OK || f.Error == nil || f.Error.Code != CodeForbidden {
			t.Errorf("%s: reload answered %s, want forbidden", tok, f.raw)
		}
	}
	admin := dial(t, addr)
	admin.login("admin-secret")
	if f := admin.mustOK("reload", nil); string(f.Data) != `{"config":"/etc/hotline.yaml"}` {
		t.Errorf("reload data %s", f.Data)
	}
	ctl.err = NewError(CodeBadConfig, "hotline.yaml:3:5: queues[0].name: name is required")
	if f, _ := admin.cmd("reload", nil); f.OK || f.Error.Code != CodeBadConfig || f.Error.Message != "hotline.yaml:3:5: queues[0].name: name is required" {
		t.Errorf("a bad file answered %s", f.raw)
	}
	if ctl.n != 2 {
		t.Errorf("reloaded %d times, want 2 (only the admin's)", ctl.n)
	}

	_, plainAddr := startServer(t, NewBus(16), &fakeController{})
	c := dial(t, plainAddr)
	c.login("admin-secret")
	if f, _ := c.cmd("reload", nil); f.OK || f.Error.Code != CodeNotSupported {
		t.Errorf("a controller that cannot reload answered %s", f.raw)
	}
}
