package api

import (
	"io"
	"net/http"
	"strconv"
)

// backup streams a consistent copy of the store (one read transaction's snapshot: runs and
// writes go on meanwhile). Staff only: the copy holds every member's profile. The copy is
// a store file `passerelle` opens as it is; feed tokens and API keys are in it only hashed.
func (s *Server) backup(w http.ResponseWriter, r *http.Request) {
	name := "passerelle-" + s.now().UTC().Format("20060102T150405Z") + ".db"
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	n, err := s.store.BackupSized(r.Context(), func(size int64) io.Writer {
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		return w
	})
	if err != nil {
		// The status is gone once bytes were written; the Content-Length then tells the
		// client its copy is short.
		s.log.Error("backup failed", "bytes", n, "err", err)
		if n == 0 {
			s.writeError(w, r, err)
		}
		return
	}
	s.log.Info("backup streamed", "bytes", strconv.FormatInt(n, 10))
}
