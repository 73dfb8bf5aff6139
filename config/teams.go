package config

// Teams maps agent ids to their team (agents without one are left out),
// for team reports.
func (c *Config) Teams() map[string]string {
	m := map[string]string{}
	for _, a := range c.Agents {
		if a.Team != "" {
			m[a.ID] = a.Team
		}
	}
	return m
}
