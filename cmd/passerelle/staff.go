package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
)

// cmdStaff manages the named staff users, who sign in to the console by e-mail link. The first
// one is added here (the store is then stopped, as for every command); the others too, or from
// the console.
func cmdStaff(ctx context.Context, p *Program, args []string) error {
	var email, name string
	const usage = "staff add --email E --name N | staff list | staff remove --email E"
	rest, err := p.setupMode(ctx, "staff", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the person's e-mail address (their sign-in links go there)")
		fs.StringVar(&name, "name", "", "the person's name, as the audit log shows it")
	}, func(rest []string) (openMode, error) {
		if len(rest) == 1 && rest[0] == "list" {
			return openExisting, nil
		}
		return openCreate, nil
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErr(usage)
	}
	switch rest[0] {
	case "add":
		if email == "" || name == "" {
			return usageErr("staff add needs --email E and --name N")
		}
		u, err := p.DB.AddStaffUser(ctx, name, email, p.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(p.Stdout, "staff user: %s\nname: %s\nemail: %s\n", u.ID, u.Name, u.Email)
		return nil
	case "list":
		us, err := p.DB.StaffUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			fmt.Fprintf(p.Stdout, "%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Created.Format("2006-01-02"))
		}
		return nil
	case "remove":
		if email == "" {
			return usageErr("staff remove needs --email E")
		}
		us, err := p.DB.StaffUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			if strings.EqualFold(u.Email, strings.TrimSpace(email)) {
				if _, err := p.DB.RemoveStaffUser(ctx, u.ID); err != nil {
					return err
				}
				fmt.Fprintf(p.Stdout, "removed: %s (%s)\n", u.Name, u.Email)
				return nil
			}
		}
		return fmt.Errorf("no staff user has the address %s", email)
	}
	return usageErr(usage)
}
