import { engineScheduler } from '../fair-scheduler';
import { InProcessSpeechSynthesizer } from './in-process-speech.synthesizer';
import { speechSynthesizerContract } from './speech-synthesizer.contract';

speechSynthesizerContract(
  'InProcessSpeechSynthesizer (the engine and its fair scheduler)',
  async (engine) => {
    const scheduler = engineScheduler(engine);
    return {
      speech: new InProcessSpeechSynthesizer(engine, scheduler),
      dispose: async () => scheduler.dropAll(),
    };
  },
);
