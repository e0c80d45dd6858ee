package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/pipeline"
)

func cmdServe(ctx context.Context, p *Program, args []string) error {
	fs, cf := p.flags("serve")
	fs.StringVar(&cf.addr, "addr", "", "listen address (default 127.0.0.1:8080, env PASSERELLE_ADDR)")
	if err := p.parse(fs, cf, args); err != nil {
		return err
	}
	p.leaveACoreForReads()
	if err := p.open(ctx); err != nil {
		return err
	}
	return p.serve(ctx, nil)
}

// serve runs the API and the scheduler until ctx ends, then shuts down in order: HTTP,
// scheduler, running jobs (the caller closes index and store). announce, when set, prints
// extra lines once the server listens.
func (p *Program) serve(ctx context.Context, announce func(url string)) error {
	ln, err := net.Listen("tcp", p.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", p.Config.Addr, err)
	}
	var signIn api.SignInMailer
	if p.Config.SMTP != "" {
		signIn = &notify.Mailer{URL: p.Config.SMTP, From: p.Config.MailFrom, Timeout: 30 * time.Second}
	} else {
		p.Log.Warn("no smtp configured: people cannot sign in by e-mail link (API keys still work)")
	}
	handler := api.New(api.Config{
		Store: p.DB, Index: p.Index, Runner: p.Pipeline, Log: p.Log, Now: p.Now, MaxBody: p.Config.MaxBody,
		Location: p.Config.location(),
		BaseURL:  p.Config.BaseURL, Webhooks: p.webhooks(), SignInMailer: signIn,
		ListenURL: "http://" + ln.Addr().String(),
		Fetcher:   p.Pipeline.Fetcher, // sources under test are read as a run reads them
	})
	p.Pipeline.Metrics = handler // run metrics on /metrics
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	sched, err := p.Pipeline.NewScheduler(ctx, p.Config.Schedule, p.Config.location())
	if err != nil {
		ln.Close()
		return err
	}
	sched.Start()
	// A crash may have left work pending: finish it now rather than at the next nightly run.
	if err := p.Pipeline.Resume(ctx); err != nil && !errors.Is(err, pipeline.ErrRunning) {
		p.Log.Error("resuming pending work", "err", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	url := "http://" + ln.Addr().String()
	fmt.Fprintf(p.Stdout, "url: %s\n", url)
	if announce != nil {
		announce(url)
	}
	p.Log.Info("serving", "url", url, "next_run", sched.Next().Format(time.RFC3339))

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			sched.Stop(context.Background())
			return err
		}
	}
	p.Log.Info("shutting down")
	shut, cancel := context.WithTimeout(context.Background(), mustDuration(p.Config.ShutdownTimeout))
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		p.Log.Error("http shutdown", "err", err)
	}
	handler.WaitSignIns() // links already promised go out before the store closes
	sched.Stop(shut)
	// A run (scheduled or started through the API) is waited for within the bound, then
	// interrupted and recorded so; its pending work stays in the store for the next run.
	p.Pipeline.Shutdown(shut)
	return nil
}

func httpClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout}
}
