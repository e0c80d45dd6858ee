package passerelle

// RunStage is a step of a run, in the order they come.
type RunStage string

const (
	StageIngest RunStage = "ingest" // fetch, parse, store and index each source
	StageMatch  RunStage = "match"  // match what is new or changed against the members
	StageNotify RunStage = "notify" // make and deliver the digests
)

// MaxChannelErrors bounds the errors a run keeps per channel: enough to read what went
// wrong, not a copy of every failure of a bad night (each digest keeps its own).
const MaxChannelErrors = 20

// ChannelRun is what one run's deliveries did on one channel (email, webhook): how many
// worked, how many failed, and the first errors, each naming the member.
type ChannelRun struct {
	Channel string   `json:"channel"`
	Sent    int      `json:"sent"`
	Failed  int      `json:"failed"`
	Errors  []string `json:"errors"`
}
