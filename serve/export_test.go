package serve

// ScreenWakes is how many times the open dashboards' screens woke up.
func (s *Server) ScreenWakes() (n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.dash {
		n += d.screen.Wakes()
	}
	return n
}
